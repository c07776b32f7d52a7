using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Hosting;
using Tokenward.Notifications;
using Tokenward.Storage;
using Tokenward.Tests.Cli;
using Tokenward.Tests.Infrastructure;
using static Tokenward.Tests.Http.GroupsAndProjectsApiTests;

namespace Tokenward.Tests.Http;

/// <summary>
/// Expiry notices as deliveries: each channel on its own, a failure retried on later runs and
/// never repeating what another channel sent, a channel configured later sending what is still
/// due, and the deliveries visible to admins.
/// </summary>
public class NoticeDeliveryTests
{
    /// <summary>Notices by e-mail to <paramref name="smtp"/> and to the webhook <paramref name="hooks"/>, sent only when a test runs the notifier.</summary>
    internal static Func<TokenwardSettings, TokenwardSettings> Channels(SmtpSink? smtp, WebhookReceiver? hooks) => s => s with
    {
        Notifications = new NotificationSettings
        {
            SmtpHost = smtp is null ? null : "127.0.0.1",
            SmtpPort = smtp?.Port ?? 25,
            SmtpSecurity = MailKit.Security.SecureSocketOptions.None,
            From = "tokenward@example.com",
            WebhookUrls = hooks is null ? [] : [hooks.Url],
            Interval = TimeSpan.Zero,
            Timeout = TimeSpan.FromSeconds(5),
            CircuitBreak = TimeSpan.FromSeconds(1),
            // Many of these tests' tokens expire on one day, a cliff: its notices to admins are ExpiryCliffTests'.
            ExpiryCliffs = false,
        },
    };

    private static async Task<Dictionary<string, int>> RunAsync(TestServer server)
    {
        await using var scope = server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ExpiryNotifier>().RunOnceAsync(CancellationToken.None);
    }

    private static async Task<List<NotificationDelivery>> DeliveriesAsync(TestServer server)
    {
        await using var scope = server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TokenwardDb>().NotificationDeliveries.OrderBy(d => d.Id).ToListAsync();
    }

    /// <summary>A project token expiring in 5 days, whose group's Owner is root (so: an e-mail to root and a webhook).</summary>
    private static async Task<long> ProjectTokenAsync(TestServer server)
    {
        var group = await CreateGroupAsync(server, "team");
        var project = await CreateProjectAsync(server, "svc", group);
        var token = await TestServer.Json(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "ci", scopes = new[] { "api" }, expires_at = "2026-06-06" }));
        return (long)token["id"]!;
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_failing_webhook_never_repeats_the_email_and_is_retried_on_later_runs(DatabaseEngine engine)
    {
        await using var smtp = new SmtpSink();
        await using var hooks = await WebhookReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(engine, Channels(smtp, hooks));
        var token = await ProjectTokenAsync(server);
        hooks.FailNext = 1_000;

        for (var run = 0; run < 3; run++)
        {
            await RunAsync(server);
            server.Clock.Advance(TimeSpan.FromMinutes(30));
        }

        Assert.Single(smtp.Messages); // three runs, one e-mail
        var hook = Assert.Single(await DeliveriesAsync(server), d => d.Channel == NotificationDelivery.Webhook);
        // Each attempt is a POST and one retry: after two attempts the circuit to the URL opened,
        // and the third run left the delivery waiting rather than ask again, and said so.
        Assert.Equal((NotificationDelivery.Failed, 2), (hook.State, hook.Attempts));
        Assert.StartsWith("webhook failing, circuit open", hook.LastError, StringComparison.Ordinal);
        Assert.Single(server.ServerLog.Entries, e => e.Contains("keeps failing; its circuit is open", StringComparison.Ordinal));

        hooks.FailNext = 0;
        await Task.Delay(TimeSpan.FromSeconds(1.2)); // the circuit's break, in real time
        server.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, (await RunAsync(server))["7d"]);
        var delivered = Assert.Single(hooks.Deliveries);
        Assert.Equal(token, (long)delivered.Body["object_attributes"]!["id"]!);
        Assert.Equal(WebhookSender.IdempotencyKey(hook), delivered.Key);
        Assert.Equal("seven_days", (string?)delivered.Body["interval"]);
        Assert.Single(smtp.Messages);
        Assert.All(await DeliveriesAsync(server), d => Assert.Equal(NotificationDelivery.Sent, d.State));
    }

    [Fact]
    public async Task A_mail_server_that_is_down_holds_back_neither_the_webhooks_nor_the_run_and_is_said_once()
    {
        await using var smtp = new SmtpSink { Down = true };
        await using var hooks = await WebhookReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(configure: Channels(smtp, hooks));
        await ProjectTokenAsync(server);
        for (var i = 0; i < 20; i++)
        {
            var user = await server.CreateUserAsync($"user{i}");
            await server.CreateTokenAsync(user, ["api"], "2026-06-05");
        }

        var sent = await RunAsync(server);
        Assert.Equal(1, sent["7d"]); // the webhook
        Assert.Equal(1, smtp.Connections + smtp.Refused); // one try at the server, not one per notice
        Assert.Single(hooks.Deliveries);
        var mails = (await DeliveriesAsync(server)).Where(d => d.Channel == NotificationDelivery.Email).ToList();
        Assert.Equal(21, mails.Count);
        Assert.All(mails, d => Assert.Equal((NotificationDelivery.Due, 0), (d.State, d.Attempts)));
        Assert.All(mails, d => Assert.StartsWith("SMTP server unreachable", d.LastError, StringComparison.Ordinal));
        Assert.Single(server.ServerLog.Entries, e => e.Contains("cannot be reached", StringComparison.Ordinal) && e.Contains("21 e-mail notice(s) wait", StringComparison.Ordinal));

        // /-/metrics shows them waiting: none failed, none sent. (The counters are the process's, so at least these 21.)
        var scrape = await (await server.GetAsync("/-/metrics", token: null)).Content.ReadAsStringAsync();
        var postponed = scrape.Split('\n').Single(l => l.StartsWith("tokenward_notices_total{", StringComparison.Ordinal)
            && l.Contains("channel=\"email\"", StringComparison.Ordinal) && l.Contains("outcome=\"postponed\"", StringComparison.Ordinal));
        Assert.True(double.Parse(postponed[(postponed.LastIndexOf('}') + 2)..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) >= 21, postponed);

        // Back up: the next run after the wait sends every one, once, over one connection.
        smtp.Down = false;
        Assert.Equal(0, (await RunAsync(server)).Values.Sum()); // not yet: they wait
        server.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(21, (await RunAsync(server))["7d"]);
        Assert.Equal(21, smtp.Messages.Count);
        Assert.Equal(21, smtp.Messages.Select(m => SmtpSink.MessageId(m.Data)).Distinct().Count());
        Assert.Single(hooks.Deliveries);
    }

    [Fact]
    public async Task Without_smtp_nothing_is_counted_for_email_and_configuring_it_later_sends_what_is_still_due()
    {
        await using var smtp = new SmtpSink();
        await using var hooks = await WebhookReceiver.StartAsync();
        DatabaseTarget database;
        string secret;
        await using (var hooksOnly = await TestServer.StartAsync(DatabaseEngine.Postgres, Channels(null, hooks)))
        {
            database = hooksOnly.Settings.Database;
            secret = hooksOnly.SecretValue;
            await ProjectTokenAsync(hooksOnly);
            var alice = await hooksOnly.CreateUserAsync("alice");
            await hooksOnly.CreateTokenAsync(alice, ["api"], "2026-06-05");
            var sent = await RunAsync(hooksOnly);
            Assert.Equal(1, sent["7d"]); // the webhook; the personal token has no channel yet
            Assert.DoesNotContain(await DeliveriesAsync(hooksOnly), d => d.Channel == NotificationDelivery.Email);
        }

        // Configured the next day: the e-mails still due go out; the webhook is not sent again.
        await using var both = await TestServer.StartAsync(DatabaseEngine.Postgres, s => Channels(smtp, hooks)(s) with { Database = database, Secret = secret });
        both.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(2, (await RunAsync(both))["7d"]);
        Assert.Equal(["admin@example.com", "alice@example.com"], smtp.Messages.SelectMany(m => m.To).Order().ToArray());
        Assert.Single(hooks.Deliveries);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Runs_at_the_same_moment_send_each_notice_once(DatabaseEngine engine)
    {
        await using var smtp = new SmtpSink();
        await using var server = await TestServer.StartAsync(engine, Channels(smtp, null));
        for (var i = 0; i < 30; i++)
        {
            var user = await server.CreateUserAsync($"user{i}");
            await server.CreateTokenAsync(user, ["api"], "2026-06-05");
        }

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => RunAsync(server))));
        var last = await RunAsync(server); // whatever a run skipped while another held the channel
        Assert.Equal(30, runs.Sum(r => r["7d"]) + last["7d"]);
        Assert.Equal(30, smtp.Messages.Count);
        Assert.Equal(30, (await DeliveriesAsync(server)).Count);
    }

    [Fact]
    public async Task An_address_that_cannot_be_mailed_fails_alone_and_an_unblocked_owner_is_told_after_all()
    {
        await using var smtp = new SmtpSink();
        await using var server = await TestServer.StartAsync(configure: Channels(smtp, null));
        var odd = await TestServer.Json(await server.PostJsonAsync("/api/v4/users", new { username = "odd", email = "a(b@example.com", name = "Odd" }));
        await server.CreateTokenAsync((long)odd["id"]!, ["api"], "2026-06-05");
        var bob = await server.CreateUserAsync("bob");
        await server.CreateTokenAsync(bob, ["api"], "2026-06-05");
        await server.Client.SendAsync(TestServer.Request(HttpMethod.Post, $"/api/v4/users/{bob}/block"));
        var alice = await server.CreateUserAsync("alice");
        await server.CreateTokenAsync(alice, ["api"], "2026-06-05");

        Assert.Equal(1, (await RunAsync(server))["7d"]); // alice; odd's address fails alone; bob is blocked
        Assert.Equal(["alice@example.com"], smtp.Messages.SelectMany(m => m.To).ToArray());
        Assert.Equal(NotificationDelivery.Failed, Assert.Single(await DeliveriesAsync(server), d => d.Recipient == "a(b@example.com").State);

        // Unblocked while the notice is still due: told after all.
        await server.Client.SendAsync(TestServer.Request(HttpMethod.Post, $"/api/v4/users/{bob}/unblock"));
        Assert.Equal(1, (await RunAsync(server))["7d"]);
        Assert.Contains("bob@example.com", smtp.Messages.SelectMany(m => m.To));
    }

    [Fact]
    public async Task A_run_of_the_server_leaves_the_channel_free_for_a_notify_process_and_webhook_urls_are_masked()
    {
        await using var smtp = new SmtpSink();
        await using var hooks = await WebhookReceiver.StartAsync();
        var secretUrl = new Uri(hooks.Url, "/hook/T000/B000/secret-part?token=abc");
        await using var server = await TestServer.StartAsync(DatabaseEngine.Postgres, s => Channels(smtp, null)(s) with
        {
            Notifications = Channels(smtp, null)(s).Notifications with { WebhookUrls = [secretUrl] },
        });
        var alice = await server.CreateUserAsync("alice");
        await server.CreateTokenAsync(alice, ["api"], "2026-06-05");
        Assert.Equal(1, (await RunAsync(server))["7d"]);

        // The server process keeps running; a notify process on the same database must find the channel free.
        var bob = await server.CreateUserAsync("bob");
        var expires = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(3).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
            db.PersonalAccessTokens.Add(new PersonalAccessToken { UserId = bob, Name = "real clock", TokenDigest = "notice-lock-test", Scopes = "[\"api\"]", ExpiresAt = DateOnly.Parse(expires, System.Globalization.CultureInfo.InvariantCulture), CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        var env = new Dictionary<string, string>
        {
            ["TOKENWARD_SMTP_HOST"] = "127.0.0.1",
            ["TOKENWARD_SMTP_PORT"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["TOKENWARD_SMTP_SECURITY"] = "none",
            ["TOKENWARD_EXTERNAL_URL"] = "https://tokens.example.com",
        };
        var notify = await TokenwardProcess.RunAsync(env, ["notify", "--format", "json", "--data-dir", server.Dir, "--database", server.Settings.Database.ConnectionString]);
        Assert.True(notify.ExitCode == 0, notify.Stderr);
        Assert.Contains("bob@example.com", smtp.Messages.SelectMany(m => m.To));

        // A hook URL's path and query are its secret: shown masked.
        var group = await CreateGroupAsync(server, "team");
        await server.PostJsonAsync($"/api/v4/groups/{group}/access_tokens", new { name = "g", scopes = new[] { "api" }, expires_at = "2026-06-05" });
        await RunAsync(server);
        var hook = Assert.Single((await TestServer.Json(await server.GetAsync("/api/v4/admin/notifications?channel=webhook"))).AsArray())!;
        Assert.Equal($"http://127.0.0.1:{hooks.Url.Port}/hook/***", (string?)hook["recipient"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_resource_tokens_expiry_is_mailed_only_when_asked_as_gitlab_mails_none(bool resourceExpired)
    {
        await using var smtp = new SmtpSink();
        await using var server = await TestServer.StartAsync(configure: s => Channels(smtp, null)(s) with
        {
            Notifications = Channels(smtp, null)(s).Notifications with { ResourceExpired = resourceExpired },
        });
        await ProjectTokenAsync(server); // expires 2026-06-06
        var alice = await server.CreateUserAsync("alice");
        await server.CreateTokenAsync(alice, ["api"], "2026-06-06");
        await RunAsync(server); // the 7-day notices
        server.Clock.Advance(TimeSpan.FromDays(5)); // the expiry date
        var sent = await RunAsync(server);
        Assert.Equal(resourceExpired ? 2 : 1, sent["expired"]);
        Assert.Equal(resourceExpired ? ["admin@example.com", "alice@example.com"] : ["alice@example.com"],
            smtp.Messages.Where(m => m.Data.Contains("has expired", StringComparison.Ordinal)).SelectMany(m => m.To).Order().ToArray());
    }

    [Fact]
    public async Task Emails_name_the_resource_the_last_use_and_where_to_rotate()
    {
        await using var smtp = new SmtpSink();
        await using var server = await TestServer.StartAsync(configure: s => Channels(smtp, null)(s) with { ExternalUrl = "https://tokens.example.com" });
        var token = await ProjectTokenAsync(server);
        await RunAsync(server);
        var mail = Assert.Single(smtp.Messages).Data;
        Assert.Contains($"The project access token 'ci' (id {token}) of project team/svc expires on 2026-06-06, in 5 days.", mail, StringComparison.Ordinal);
        Assert.Contains("It has never been used.", mail, StringComparison.Ordinal);
        Assert.Contains("https://tokens.example.com/team/svc/-/settings/access_tokens", mail, StringComparison.Ordinal);
        Assert.Matches(@"Message-Id: <tokenward-notice-\d+-[0-9a-f]{16}@example\.com>", mail);

        // SMTP without webhooks: a project token's notice is an e-mail only, with no webhook delivery waiting.
        Assert.Equal([NotificationDelivery.Email], (await DeliveriesAsync(server)).Select(d => d.Channel).Distinct());
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Notices_name_the_last_use_and_link_to_the_web_ui_page_where_the_token_is_rotated(DatabaseEngine engine)
    {
        await using var smtp = new SmtpSink();
        await using var hooks = await WebhookReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(engine, s => Channels(smtp, hooks)(s) with { ExternalUrl = "http://tokens.example.com" });
        var group = await CreateGroupAsync(server, "team");
        var project = await CreateProjectAsync(server, "svc", group);
        var projectToken = await TestServer.Json(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "deploy", scopes = new[] { "api" }, expires_at = "2026-06-08" }));
        var groupToken = await TestServer.Json(await server.PostJsonAsync($"/api/v4/groups/{group}/access_tokens", new { name = "sync", scopes = new[] { "api" }, expires_at = "2026-06-08" }));
        var alice = await server.CreateUserAsync("alice");
        var (_, aliceToken) = await server.CreateTokenAsync(alice, ["api"], "2026-06-08", "laptop");
        await server.PostJsonAsync($"/api/v4/users/{alice}/impersonation_tokens", new { name = "support", scopes = new[] { "api" }, expires_at = "2026-06-08" });
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/projects/{project}", (string)projectToken["token"]!), 200);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", aliceToken), 200);

        server.Clock.Advance(TimeSpan.FromDays(3));
        await RunAsync(server);

        string Mail(string tokenName) => Assert.Single(smtp.Messages, m => m.Data.Contains($"'{tokenName}'", StringComparison.Ordinal)).Data.ReplaceLineEndings("\n");
        Assert.Contains("It was last used on 2026-06-01 10:00 UTC (3 days ago) from 127.0.0.1.", Mail("deploy"), StringComparison.Ordinal);
        Assert.Contains("http://tokens.example.com/team/svc/-/settings/access_tokens\n", Mail("deploy"), StringComparison.Ordinal);
        Assert.Contains("It was last used on 2026-06-01 10:00 UTC (3 days ago)", Mail("laptop"), StringComparison.Ordinal);
        Assert.Contains("http://tokens.example.com/-/user_settings/personal_access_tokens\n", Mail("laptop"), StringComparison.Ordinal);
        Assert.Contains("It has never been used.", Mail("sync"), StringComparison.Ordinal);
        Assert.Contains("http://tokens.example.com/groups/team/-/settings/access_tokens\n", Mail("sync"), StringComparison.Ordinal);
        Assert.Contains("http://tokens.example.com/admin/credentials?state=active&kind=impersonation&user=alice\n", Mail("support"), StringComparison.Ordinal);

        // The webhooks: GitLab's fields as they were, with the last use, and Tokenward's rotate_url beside them.
        var projectHook = Assert.Single(hooks.Deliveries, d => (long)d.Body["object_attributes"]!["id"]! == (long)projectToken["id"]!).Body;
        Assert.Equal("2026-06-01 10:00:00 UTC", (string?)projectHook["object_attributes"]!["last_used_at"]);
        Assert.Equal("http://tokens.example.com/team/svc/-/settings/access_tokens", (string?)projectHook["rotate_url"]);
        Assert.Equal(("expiring_access_token", "seven_days", project), ((string?)projectHook["event_name"], (string?)projectHook["interval"], (long)projectHook["project_id"]!));
        var groupHook = Assert.Single(hooks.Deliveries, d => (long)d.Body["object_attributes"]!["id"]! == (long)groupToken["id"]!).Body;
        Assert.Null(groupHook["object_attributes"]!["last_used_at"]);
        Assert.Equal("http://tokens.example.com/groups/team/-/settings/access_tokens", (string?)groupHook["rotate_url"]);

        // Every link is a page the web UI serves, listing the token (the address is http: a secure cookie would not come back over the tests' plain HTTP).
        using var web = new WebSession(server);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, (await web.SignInWithTokenAsync(TestServer.RootToken)).Status);
        foreach (var (link, name) in new[]
        {
            ("/team/svc/-/settings/access_tokens", "deploy"),
            ("/groups/team/-/settings/access_tokens", "sync"),
            ("/admin/credentials?state=active&kind=impersonation&user=alice", "support"),
        })
        {
            var (status, html, _) = await web.GetAsync(link);
            Assert.True(status == System.Net.HttpStatusCode.OK, $"{link}: {status}");
            Assert.Contains(name, html, StringComparison.Ordinal);
        }

        using var aliceWeb = new WebSession(server);
        await aliceWeb.SignInWithTokenAsync(aliceToken);
        var (own, ownHtml, _) = await aliceWeb.GetAsync("/-/user_settings/personal_access_tokens");
        Assert.Equal(System.Net.HttpStatusCode.OK, own);
        Assert.Contains("laptop", ownHtml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_or_extended_token_cancels_its_waiting_deliveries()
    {
        await using var smtp = new SmtpSink { Down = true };
        await using var server = await TestServer.StartAsync(configure: Channels(smtp, null));
        var alice = await server.CreateUserAsync("alice");
        var (revoked, _) = await server.CreateTokenAsync(alice, ["api"], "2026-06-05", "old");
        var (extended, _) = await server.CreateTokenAsync(alice, ["api"], "2026-06-05", "moved");
        await RunAsync(server);
        await server.DeleteAsync($"/api/v4/personal_access_tokens/{revoked}");
        await using (var scope = server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<TokenwardDb>().PersonalAccessTokens.Where(t => t.Id == extended)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, new DateOnly(2026, 9, 1)));
        }

        smtp.Down = false;
        server.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, (await RunAsync(server)).Values.Sum());
        Assert.Empty(smtp.Messages);
        var deliveries = await DeliveriesAsync(server);
        Assert.Equal(["the token was revoked", "the token's expiry date changed"], deliveries.Where(d => d.Notice == "7d").Select(d => d.LastError));
        Assert.All(deliveries.Where(d => d.Notice == "7d"), d => Assert.Equal(NotificationDelivery.Cancelled, d.State));
    }

    [Fact]
    public async Task Admins_see_the_deliveries_by_api_and_cli_and_a_dry_run_lists_what_is_due()
    {
        await using var smtp = new SmtpSink();
        await using var hooks = await WebhookReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(configure: Channels(smtp, hooks));
        var alice = await server.CreateUserAsync("alice");
        var (_, aliceToken) = await server.CreateTokenAsync(alice, ["api"], "2026-06-05");
        await ProjectTokenAsync(server);
        hooks.FailNext = 1_000;
        await RunAsync(server);

        await Expect.StatusAsync(await server.GetAsync("/api/v4/admin/notifications", aliceToken), 403);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/admin/notifications", token: null), 401);
        var failed = await TestServer.Json(await server.GetAsync("/api/v4/admin/notifications?state=failed"));
        var row = Assert.Single(failed.AsArray())!;
        Assert.Equal(("webhook", "7d", 1), ((string)row["channel"]!, (string)row["notice"]!, (int)row["attempts"]!));
        Assert.NotNull((string?)row["next_attempt_at"]);
        Assert.Equal(2, (await TestServer.Json(await server.GetAsync("/api/v4/admin/notifications?channel=email"))).AsArray().Count);
        await Expect.BodyAsync(await server.GetAsync("/api/v4/admin/notifications?state=lost"), 400, """{"error":"state does not have a valid value"}""");

        var list = await TokenwardProcess.RunAsync(null, ["notify", "list", "--state", "failed", "--data-dir", server.Dir]);
        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Matches(@"\n\d+\s+\d+\s+7d\s+2026-06-06\s+webhook\s+http://127\.0\.0\.1:\d+/hook\s+failed\s+1\s", list.Stdout);
    }
}
