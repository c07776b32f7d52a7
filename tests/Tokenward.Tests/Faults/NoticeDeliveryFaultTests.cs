using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Tokenward.Storage;
using Tokenward.Tests.Cli;
using Tokenward.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tokenward.Tests.Faults;

/// <summary>
/// <c>tokenward notify</c> as a real process, killed (SIGKILL) and stopped (SIGTERM) at random
/// points over 2,040 deliveries to a real SMTP listener and webhook receiver, then run to the
/// end: every due delivery arrives, each once by its Message-ID or Idempotency-Key; the raw
/// repeats (a kill between the server's acceptance and our record) are counted and reported.
/// </summary>
public sealed class NoticeDeliveryFaultTests(ITestOutputHelper output) : TempDir
{
    private const int Users = 200;
    private const int TokensPerUser = 10;
    private const int Bots = 20;

    private string[] DatabaseArgs(DatabaseTarget database) => Engines.CliArgs(database, Dir);

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Killed_and_stopped_at_random_points_no_notice_is_lost_and_each_arrives_once_by_its_id(DatabaseEngine engine)
    {
        var database = Engines.Fresh(engine, Dir);
        Assert.Equal(0, (await TokenwardProcess.RunAsync(null, ["init", .. DatabaseArgs(database)])).ExitCode);
        await SeedAsync(database);

        await using var smtp = new SmtpSink();
        await using var hooks = await WebhookReceiver.StartAsync();
        var env = NotifyEnv(smtp, hooks);
        string[] notify = ["notify", .. DatabaseArgs(database)];

        var seed = Environment.TickCount;
        var random = new Random(seed);
        var interruptions = 0;
        for (var i = 0; i < 10; i++)
        {
            var before = smtp.Messages.Count;
            using var child = Process.Start(TokenwardProcess.StartInfo(env, notify))!;
            try
            {
                child.OutputDataReceived += (_, _) => { };
                child.ErrorDataReceived += (_, _) => { };
                child.BeginOutputReadLine();
                child.BeginErrorReadLine();
                // A third of the time at a random moment of the start and the planning; otherwise
                // after a random number of messages more have been accepted, in the middle of sending.
                if (i % 3 == 0)
                {
                    await Task.WhenAny(child.WaitForExitAsync(), Task.Delay(random.Next(100, 1_000)));
                }
                else
                {
                    var target = before + random.Next(20, 300);
                    var deadline = Deadline.InSeconds(30);
                    while (smtp.Messages.Count < target && !child.HasExited && !deadline.Passed)
                    {
                        await Task.Delay(5);
                    }
                }

                if (child.HasExited)
                {
                    break;
                }

                var signal = i % 2 == 0 ? "KILL" : "TERM";
                Process.Start("kill", ["-" + signal, child.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
                using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                await child.WaitForExitAsync(patience.Token);
                interruptions++;
                // SIGKILL ends it at once (137). SIGTERM lets it stop cleanly: "stopped.", 130, or 0 if it
                // had just finished; 143 only in its first milliseconds, before .NET handles signals.
                // Never an unhandled exception (134).
                Assert.Contains(child.ExitCode, signal == "KILL" ? new[] { 137 } : new[] { 130, 0, 143 });
            }
            finally
            {
                if (!child.HasExited)
                {
                    child.Kill(entireProcessTree: true);
                }
            }
        }

        var started = Stopwatch.StartNew();
        var rest = await TokenwardProcess.RunAsync(env, notify);
        Assert.True(rest.ExitCode == 0, rest.Stderr);
        var restTime = started.Elapsed;
        var again = await TokenwardProcess.RunAsync(env, [.. notify, "--format", "json"]);
        Assert.Equal("{\"60d\":0,\"30d\":0,\"7d\":0,\"expired\":0,\"leaked\":0,\"cliff_60d\":0,\"cliff_30d\":0,\"cliff_7d\":0}\n", again.Stdout);

        await using var db = await AuditTrail.OpenAsync(database);
        var deliveries = await db.NotificationDeliveries.ToListAsync();
        // Every token expires on one day, a cliff: root (the only admin) and the webhook are told of it once too.
        var expectedEmails = (Users * TokensPerUser) + Bots + 1;
        Assert.Equal(expectedEmails, deliveries.Count(d => d.Channel == NotificationDelivery.Email));
        Assert.Equal(Bots + 1, deliveries.Count(d => d.Channel == NotificationDelivery.Webhook));
        Assert.All(deliveries, d => Assert.Equal(NotificationDelivery.Sent, d.State));

        // Nothing lost: every delivery's message arrived; exactly once by its id.
        var mails = smtp.Messages.ToList();
        var messageIds = mails.Select(m => SmtpSink.MessageId(m.Data)!).ToList();
        Assert.Equal(
            deliveries.Where(d => d.Channel == NotificationDelivery.Email).Select(d => $"{d.IdempotencyKey}@example.com").Order(StringComparer.Ordinal),
            messageIds.Distinct().Order(StringComparer.Ordinal));
        var hookKeys = hooks.Deliveries.Select(h => h.Key!).ToList();
        Assert.Equal(Bots + 1, hookKeys.Distinct().Count());
        // Per recipient and band, one notice each: the owners their ten, root the bots' twenty and the cliff's.
        Assert.All(mails.GroupBy(m => SmtpSink.MessageId(m.Data)).Select(g => g.First()).GroupBy(m => m.To.Single()),
            g => Assert.Equal(g.Key == "admin@example.com" ? Bots + 1 : TokensPerUser, g.Count()));

        var repeatedMails = mails.Count - messageIds.Distinct().Count();
        var repeatedHooks = hookKeys.Count - hookKeys.Distinct().Count();
        output.WriteLine($"engine {engine}, seed {seed}: {interruptions} interruptions (SIGKILL and SIGTERM alternating) over {expectedEmails + Bots + 1} deliveries; lost 0; repeated {repeatedMails} e-mail(s) and {repeatedHooks} webhook(s) (each with its delivery's Message-ID or Idempotency-Key); the last run took {restTime.TotalSeconds:0.0} s");
        // A repeat needs a kill in the moment between the server's acceptance and our record: at most one per kill.
        Assert.True(repeatedMails + repeatedHooks <= interruptions, $"{repeatedMails} + {repeatedHooks} repeats in {interruptions} interruptions");
    }

    [Fact]
    public async Task A_run_sends_2040_notices_over_one_connection()
    {
        var database = Engines.Fresh(DatabaseEngine.Sqlite, Dir);
        Assert.Equal(0, (await TokenwardProcess.RunAsync(null, ["init", .. DatabaseArgs(database)])).ExitCode);
        await SeedAsync(database);
        await using var smtp = new SmtpSink();
        await using var hooks = await WebhookReceiver.StartAsync();
        // The token notices alone: the cliff all these tokens make is told in the test above.
        var env = new Dictionary<string, string>(NotifyEnv(smtp, hooks)) { ["TOKENWARD_NOTIFY_EXPIRY_CLIFFS"] = "false" };
        var dryRun = await TokenwardProcess.RunAsync(env, ["notify", "--dry-run", "--format", "csv", .. DatabaseArgs(database)]);
        Assert.Equal(1 + (Users * TokensPerUser) + (2 * Bots), dryRun.Stdout.TrimEnd('\n').Split('\n').Length);
        Assert.Empty(smtp.Messages);

        var watch = Stopwatch.StartNew();
        var run = await TokenwardProcess.RunAsync(env, ["notify", "--format", "json", .. DatabaseArgs(database)]);
        watch.Stop();
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal("{\"60d\":0,\"30d\":0,\"7d\":2040,\"expired\":0,\"leaked\":0,\"cliff_60d\":0,\"cliff_30d\":0,\"cliff_7d\":0}\n", run.Stdout);
        Assert.Equal(2020, smtp.Messages.Count);
        Assert.Equal(1, smtp.Connections);
        // The peer, in the same run: the same number of messages from one MailKit client over one
        // connection, with nothing planned or recorded. The ratio is what the record costs.
        await using var bareSink = new SmtpSink();
        var bare = Stopwatch.StartNew();
        using (var client = new MailKit.Net.Smtp.SmtpClient())
        {
            await client.ConnectAsync("127.0.0.1", bareSink.Port, MailKit.Security.SecureSocketOptions.None);
            foreach (var i in Enumerable.Range(0, 2020))
            {
                using var message = new MimeKit.MimeMessage { Subject = "Your personal access token 'ci' expires in 5 days", Body = new MimeKit.TextPart("plain") { Text = "bare" } };
                message.From.Add(MimeKit.MailboxAddress.Parse("tokenward@example.com"));
                message.To.Add(MimeKit.MailboxAddress.Parse($"user{i % Users}@example.com"));
                await client.SendAsync(message);
            }

            await client.DisconnectAsync(quit: true);
        }

        bare.Stop();
        output.WriteLine($"2,040 deliveries (2,020 e-mails over {smtp.Connections} SMTP connection, 20 webhooks) planned, sent and recorded by one `tokenward notify` process in {watch.Elapsed.TotalSeconds:0.0} s, its start included; the same 2,020 e-mails from a bare MailKit client, nothing recorded: {bare.Elapsed.TotalSeconds:0.0} s (ratio {watch.Elapsed / bare.Elapsed:0.0})");
    }

    /// <summary>What a child <c>notify</c> is configured with: the SMTP listener and the webhook receiver on loopback.</summary>
    private static Dictionary<string, string> NotifyEnv(SmtpSink smtp, WebhookReceiver hooks) => new()
    {
        ["TOKENWARD_SMTP_HOST"] = "127.0.0.1",
        ["TOKENWARD_SMTP_PORT"] = smtp.Port.ToString(CultureInfo.InvariantCulture),
        ["TOKENWARD_SMTP_SECURITY"] = "none",
        ["TOKENWARD_SMTP_FROM"] = "tokenward@example.com",
        ["TOKENWARD_WEBHOOK_URLS"] = hooks.Url.ToString(),
        ["TOKENWARD_EXTERNAL_URL"] = "https://tokens.example.com",
    };

    /// <summary>200 users with 10 tokens each, and 20 group-token bots whose group root owns, all expiring in 5 days (on the real clock the child runs on).</summary>
    private static async Task SeedAsync(DatabaseTarget database)
    {
        await using var db = await AuditTrail.OpenAsync(database);
        var now = DateTime.UtcNow;
        var expires = DateOnly.FromDateTime(now).AddDays(5);
        var users = Enumerable.Range(0, Users).Select(i => new User { Username = $"user{i}", Email = $"user{i}@example.com", Name = $"User {i}", CreatedAt = now, UpdatedAt = now }).ToList();
        var bots = Enumerable.Range(0, Bots).Select(i => new User { Username = $"group_1_bot_{i}", Email = $"bot{i}@noreply.example.com", Name = $"bot {i}", UserType = UserTypes.ProjectBot, CreatedAt = now, UpdatedAt = now }).ToList();
        db.Users.AddRange(users);
        db.Users.AddRange(bots);
        var group = new Namespace { Name = "team", Path = "team", Type = Namespace.GroupType, CreatedAt = now, UpdatedAt = now };
        db.Namespaces.Add(group);
        await db.SaveChangesAsync();

        db.Members.Add(new Member { SourceType = Member.NamespaceSource, SourceId = group.Id, UserId = 1, AccessLevel = 50, CreatedAt = now, UpdatedAt = now });
        db.Members.AddRange(bots.Select(b => new Member { SourceType = Member.NamespaceSource, SourceId = group.Id, UserId = b.Id, AccessLevel = 40, CreatedAt = now, UpdatedAt = now }));
        var tokens = users.SelectMany(u => Enumerable.Range(0, TokensPerUser).Select(i => (u.Id, Name: $"ci {i}")))
            .Concat(bots.Select(b => (b.Id, Name: "group token")))
            .Select((t, i) => new PersonalAccessToken { UserId = t.Id, Name = t.Name, TokenDigest = $"notice-digest-{i}", Scopes = "[\"api\"]", ExpiresAt = expires, CreatedAt = now, UpdatedAt = now });
        db.PersonalAccessTokens.AddRange(tokens);
        await db.SaveChangesAsync();
    }
}
