using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Notifications;
using Tokenward.Storage;
using Tokenward.Tests.Cli;
using Tokenward.Tests.Http;
using Tokenward.Tests.Infrastructure;
using Tokenward.Toolkit;

namespace Tokenward.Tests.Toolkit;

/// <summary>
/// Expiry cliffs over hand-built data: 60 tokens spread one a day and 40 on one day. The report
/// names the cliff first (CLI, API), the share is a setting, and administrators are told 60, 30
/// and 7 days ahead, once each, by e-mail and webhook; a cliff taken apart before its notice goes
/// out is not told.
/// </summary>
public class ExpiryCliffTests
{
    private const int Spread = 60;
    private const int OnCliff = 40;

    /// <summary>Also active with a date on the test server's day: root's token and the seed's template.</summary>
    private const int Others = 2;

    /// <summary>Alice's tokens: one a day from <paramref name="from"/> on, and <see cref="OnCliff"/> on <paramref name="cliff"/>, written straight to the database.</summary>
    internal static async Task<long> SeedAsync(TestServer server, DateOnly from, DateOnly cliff, int spread = Spread, int onCliff = OnCliff)
    {
        var alice = await server.CreateUserAsync("alice");
        // A token made through the API (so its owner is whole), then the rest written straight to the database.
        await server.CreateTokenAsync(alice, ["api"], "2026-06-15", "template");
        await using var scope = server.Services.CreateAsyncScope();
        var dates = Enumerable.Range(0, spread).Select(i => (DateOnly?)from.AddDays(i)).Concat(Enumerable.Repeat<DateOnly?>(cliff, onCliff));
        await SeededTokens.AddAsync(scope.ServiceProvider.GetRequiredService<TokenwardDb>(), alice, dates, "seeded");
        return alice;
    }

    private static async Task<List<ExpiryDateCount>> DatesAsync(TestServer server, int top)
    {
        var inventory = server.Services.GetRequiredService<TokenInventory>();
        return await inventory.ExpiryDatesAsync(new TokenFilter(), TokenStates.Today(server.Clock), top, CancellationToken.None);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task The_dates_report_marks_the_cliff_with_its_share_and_the_threshold_is_a_setting(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var cliff = new DateOnly(2026, 8, 15);
        await SeedAsync(server, new DateOnly(2026, 7, 1), cliff);

        var dates = await DatesAsync(server, 3);
        Assert.Equal(3, dates.Count);
        // Every active token with a date, whatever the top.
        Assert.All(dates, d => Assert.Equal(Spread + OnCliff + Others, d.ActiveWithDate));
        Assert.Equal((cliff, OnCliff + 1), (dates[0].Date, dates[0].Count)); // the spread also has a token on that day
        Assert.True(dates[0].IsCliff(2));
        Assert.False(dates[1].IsCliff(2));
        Assert.False(dates[0].IsCliff(50));

        var answer = await TestServer.Json(await server.GetAsync("/api/v4/admin/tokens/expiry_dates?top=2"));
        var first = answer.AsArray()[0]!;
        Assert.Equal(("2026-08-15", 41, true), ((string?)first["expires_at"], (int)first["count"]!, (bool)first["cliff"]!));
        Assert.Equal(Math.Round(41.0 / (Spread + OnCliff + Others), 4), (double)first["share"]!);
        Assert.False((bool)answer.AsArray()[1]!["cliff"]!);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_higher_threshold_share_finds_no_cliff_in_the_api(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine, s => s with { ExpiryCliffPercent = 50 });
        await SeedAsync(server, new DateOnly(2026, 7, 1), new DateOnly(2026, 8, 15));
        var answer = await TestServer.Json(await server.GetAsync("/api/v4/admin/tokens/expiry_dates"));
        Assert.All(answer.AsArray(), d => Assert.False((bool)d!["cliff"]!));
    }

    [Fact]
    public async Task The_cli_names_every_cliff_before_the_table_even_beyond_top()
    {
        // The CLI's today is the machine's: dates far ahead.
        await using var server = await TestServer.StartAsync(DatabaseEngine.Sqlite);
        await SeedAsync(server, new DateOnly(2099, 1, 1), new DateOnly(2099, 5, 1));
        await using (var scope = server.Services.CreateAsyncScope())
        {
            // A second, smaller cliff (20 of 121 with root's token: 16.5 %), which --top 1 leaves out of the table.
            var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
            var owner = await db.Users.Where(u => u.Username == "alice").Select(u => u.Id).SingleAsync();
            await SeededTokens.AddAsync(db, owner, Enumerable.Repeat<DateOnly?>(new DateOnly(2099, 6, 1), 20), "second");
        }

        var table = await TokenwardProcess.RunAsync(null, ["tokens", "expiry-dates", "--top", "1", "--data-dir", server.Dir]);
        Assert.Equal(0, table.ExitCode);
        var lines = table.Stdout.Split('\n');
        Assert.StartsWith("2 expiry cliffs (a day with 2 % or more of the 121 active tokens with a date):", lines[0], StringComparison.Ordinal);
        Assert.Contains("2099-05-01", lines[1], StringComparison.Ordinal);
        Assert.Contains("2099-06-01", lines[2], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("2099-05-01        40", StringComparison.Ordinal) && l.EndsWith(" cliff", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("2099-06-01    ", StringComparison.Ordinal));

        var none = await TokenwardProcess.RunAsync(new Dictionary<string, string> { ["TOKENWARD_EXPIRY_CLIFF_PERCENT"] = "60" }, ["tokens", "expiry-dates", "--data-dir", server.Dir]);
        Assert.StartsWith("No expiry cliff: no day holds 60 % of the 121 active tokens with a date.", none.Stdout, StringComparison.Ordinal);
        var csv = await TokenwardProcess.RunAsync(null, ["tokens", "expiry-dates", "--top", "2", "--format", "csv", "--data-dir", server.Dir]);
        Assert.Equal("expires_at,count,share,cliff\n2099-05-01,40,0.3306,true\n2099-06-01,20,0.1653,true\n", csv.Stdout);
        var bad = await TokenwardProcess.RunAsync(new Dictionary<string, string> { ["TOKENWARD_EXPIRY_CLIFF_PERCENT"] = "0" }, ["tokens", "expiry-dates", "--data-dir", server.Dir]);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("EXPIRY_CLIFF_PERCENT", bad.Stderr, StringComparison.Ordinal);
    }

    private static Func<Hosting.TokenwardSettings, Hosting.TokenwardSettings> WithCliffNotices(Func<Hosting.TokenwardSettings, Hosting.TokenwardSettings> channels) =>
        s => channels(s) is var c ? c with { Notifications = c.Notifications with { ExpiryCliffs = true } } : s;

    private static async Task RunNoticesAsync(TestServer server)
    {
        await using var scope = server.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ExpiryNotifier>().RunOnceAsync(CancellationToken.None);
    }

    private static List<string> CliffMails(SmtpSink smtp) =>
        smtp.Messages.Where(m => m.Data.Contains("Subject: Expiry cliff", StringComparison.Ordinal)).Select(m => m.Data).ToList();

    private static List<JsonNode> CliffHooks(WebhookReceiver hooks) =>
        hooks.Deliveries.Where(d => (string?)d.Body["object_kind"] == "expiry_cliff").Select(d => d.Body).ToList();

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Admins_are_told_of_a_cliff_60_30_and_7_days_ahead_once_each_by_mail_and_webhook(DatabaseEngine engine)
    {
        await using var smtp = new SmtpSink();
        await using var hooks = await WebhookReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(engine, WithCliffNotices(NoticeDeliveryTests.Channels(smtp, hooks)));
        // Today is 2026-06-01: the cliff is 50 days ahead, inside the 60-day notice.
        var cliff = new DateOnly(2026, 7, 21);
        await SeedAsync(server, new DateOnly(2026, 9, 1), cliff);
        var admin = await server.CreateUserAsync("second-admin", admin: true);

        await RunNoticesAsync(server);
        await RunNoticesAsync(server);
        var mails = CliffMails(smtp);
        // Root and the second admin, once each however often the job runs; not alice.
        Assert.Equal(2, mails.Count);
        Assert.DoesNotContain(mails, m => m.Contains("alice@", StringComparison.Ordinal));
        Assert.Contains("Subject: Expiry cliff: 40 access tokens expire on 2026-07-21, in 50 days", mails[0], StringComparison.Ordinal);
        Assert.Contains("tokenward tokens at-risk --within 50d", mails[0], StringComparison.Ordinal);
        Assert.Contains("/admin/expiry_calendar?day=2026-07-21", mails[0], StringComparison.Ordinal);
        var hook = Assert.Single(CliffHooks(hooks));
        Assert.Equal(("cliff_60d", "2026-07-21", 50, 40), ((string?)hook["notice"], (string?)hook["expires_at"], (int)hook["days_left"]!, (int)hook["tokens"]!));
        Assert.Equal(Spread + OnCliff + Others, (long)hook["active_tokens_with_expiry"]!);

        // 25 days before: the 30-day notice, once.
        server.Clock.Advance(TimeSpan.FromDays(25));
        await RunNoticesAsync(server);
        await RunNoticesAsync(server);
        Assert.Equal(4, CliffMails(smtp).Count);
        Assert.Equal(["cliff_60d", "cliff_30d"], CliffHooks(hooks).Select(h => (string?)h["notice"]));

        // 5 days before: the 7-day notice; then nothing more, on the day or after.
        server.Clock.Advance(TimeSpan.FromDays(20));
        await RunNoticesAsync(server);
        server.Clock.Advance(TimeSpan.FromDays(10));
        await RunNoticesAsync(server);
        Assert.Equal(6, CliffMails(smtp).Count);
        Assert.Equal(["cliff_60d", "cliff_30d", "cliff_7d"], CliffHooks(hooks).Select(h => (string?)h["notice"]));
        await using var scope = server.Services.CreateAsyncScope();
        var ledger = await scope.ServiceProvider.GetRequiredService<TokenwardDb>().NotificationDeliveries
            .Where(d => d.PersonalAccessTokenId == CliffNotices.NoToken).ToListAsync();
        Assert.Equal(9, ledger.Count); // 3 notices × (2 admins + 1 webhook)
        Assert.All(ledger, d => Assert.Equal(NotificationDelivery.Sent, d.State));
        Assert.Contains(ledger, d => d.Recipient == "second-admin@example.com");
        Assert.True(admin > 0);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_cliff_taken_apart_before_its_notice_goes_out_is_not_told(DatabaseEngine engine)
    {
        await using var smtp = new SmtpSink();
        await using var server = await TestServer.StartAsync(engine, WithCliffNotices(NoticeDeliveryTests.Channels(smtp, null)));
        var cliff = new DateOnly(2026, 7, 21);
        await SeedAsync(server, new DateOnly(2026, 9, 1), cliff);
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var planned = await scope.ServiceProvider.GetRequiredService<ExpiryNotifier>().PlanAsync(record: true, CancellationToken.None);
            Assert.Single(planned, d => d.PersonalAccessTokenId == CliffNotices.NoToken);
            // The tokens spread over the following weeks before the mail goes out.
            var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
            var onCliff = await db.PersonalAccessTokens.Where(t => t.ExpiresAt == cliff).Select(t => t.Id).ToListAsync();
            foreach (var (id, i) in onCliff.Select((id, i) => (id, i)))
            {
                await db.PersonalAccessTokens.Where(t => t.Id == id).ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, cliff.AddDays(i % 28)));
            }
        }

        await RunNoticesAsync(server);
        Assert.Empty(CliffMails(smtp));
        await using var check = server.Services.CreateAsyncScope();
        var delivery = await check.ServiceProvider.GetRequiredService<TokenwardDb>().NotificationDeliveries.SingleAsync(d => d.PersonalAccessTokenId == CliffNotices.NoToken);
        Assert.Equal((NotificationDelivery.Cancelled, "the day is no expiry cliff any more"), (delivery.State, delivery.LastError));
    }
}
