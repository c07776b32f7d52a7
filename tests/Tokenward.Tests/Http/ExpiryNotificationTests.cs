using Microsoft.Extensions.DependencyInjection;
using Tokenward.Hosting;
using Tokenward.Notifications;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;
using static Tokenward.Tests.Http.GroupsAndProjectsApiTests;

namespace Tokenward.Tests.Http;

public class ExpiryNotificationTests
{
    private static Func<TokenwardSettings, TokenwardSettings> Channels(SmtpSink smtp, WebhookReceiver? hooks = null) => s => s with
    {
        Notifications = new NotificationSettings
        {
            SmtpHost = "127.0.0.1",
            SmtpPort = smtp.Port,
            SmtpSecurity = MailKit.Security.SecureSocketOptions.None,
            From = "tokenward@example.com",
            WebhookUrls = hooks is null ? [] : [hooks.Url],
            WebhookSecret = "hook-secret",
            Interval = TimeSpan.Zero,
        },
    };

    private static async Task<Dictionary<string, int>> RunAsync(TestServer server)
    {
        await using var scope = server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ExpiryNotifier>().RunOnceAsync(CancellationToken.None);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Each_notice_goes_out_once_at_60_30_and_7_days_and_on_expiry(DatabaseEngine engine)
    {
        await using var smtp = new SmtpSink();
        await using var server = await TestServer.StartAsync(engine, Channels(smtp));
        var alice = await server.CreateUserAsync("alice");
        await server.CreateTokenAsync(alice, ["api"], "2026-07-16", name: "deploy"); // 45 days from 2026-06-01

        Assert.Equal(1, (await RunAsync(server))["60d"]);
        Assert.Equal(0, (await RunAsync(server)).Values.Sum());
        server.Clock.Advance(TimeSpan.FromDays(20)); // 25 days left
        Assert.Equal(1, (await RunAsync(server))["30d"]);
        server.Clock.Advance(TimeSpan.FromDays(20)); // 5 days left
        Assert.Equal(1, (await RunAsync(server))["7d"]);
        server.Clock.Advance(TimeSpan.FromDays(5)); // the expiry date
        Assert.Equal(1, (await RunAsync(server))["expired"]);
        Assert.Equal(0, (await RunAsync(server)).Values.Sum());

        var messages = smtp.Messages.ToList();
        Assert.Equal(4, messages.Count);
        Assert.All(messages, m => Assert.Equal(["alice@example.com"], m.To));
        Assert.Contains("expires in 45 days", messages[0].Data, StringComparison.Ordinal);
        Assert.Contains("expires in 5 days", messages[2].Data, StringComparison.Ordinal);
        Assert.Contains("'deploy' has expired", messages[3].Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restarts_never_resend_and_failed_deliveries_are_retried_later()
    {
        await using var smtp = new SmtpSink();
        DatabaseTarget database;
        string secret;
        await using (var first = await TestServer.StartAsync(DatabaseEngine.Postgres, Channels(smtp)))
        {
            database = first.Settings.Database;
            secret = first.SecretValue;
            var alice = await first.CreateUserAsync("alice");
            await first.CreateTokenAsync(alice, ["api"], "2026-06-05");
            await first.CreateTokenAsync(alice, ["api"], "2026-06-06");
            smtp.FailNext = 1; // the first token's message is refused
            var sent = await RunAsync(first);
            Assert.Equal(1, sent["7d"]);
        }

        // The same database and secret: a restart.
        await using var second = await TestServer.StartAsync(DatabaseEngine.Postgres, s => Channels(smtp)(s) with { Database = database, Secret = secret });
        Assert.Equal(0, (await RunAsync(second)).Values.Sum()); // its next attempt is not due yet
        second.Clock.Advance(TimeSpan.FromMinutes(5));
        var again = await RunAsync(second);
        Assert.Equal(1, again["7d"]); // the one that failed, and only it
        Assert.Equal(2, smtp.Messages.Count);
        Assert.Equal(0, (await RunAsync(second)).Values.Sum());
    }

    [Fact]
    public async Task Resource_tokens_notify_maintainers_and_owners_and_the_webhook()
    {
        await using var smtp = new SmtpSink();
        await using var hooks = await WebhookReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(configure: Channels(smtp, hooks));
        var group = await CreateGroupAsync(server, "team"); // root is its Owner
        var project = await CreateProjectAsync(server, "svc", group);
        var maint = await server.CreateUserAsync("maint");
        var dev = await server.CreateUserAsync("dev");
        await AddMemberAsync(server, "projects", project, maint, 40);
        await AddMemberAsync(server, "projects", project, dev, 30);
        var token = await TestServer.Json(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "ci", scopes = new[] { "api" }, expires_at = "2026-06-06" }));
        hooks.FailNext = 1; // retried once at once by the HTTP client's resilience handler

        Assert.Equal(3, (await RunAsync(server))["7d"]); // two e-mails and the webhook
        // One message per recipient, so they do not see each other's addresses; no developer among them.
        var mails = smtp.Messages.ToList();
        Assert.Equal(["admin@example.com", "maint@example.com"], mails.SelectMany(m => m.To).Order().ToArray());
        Assert.All(mails, m => Assert.Contains("project access token 'ci' expires in 5 days", m.Data, StringComparison.Ordinal));

        var hook = Assert.Single(hooks.Deliveries);
        Assert.Equal("Resource Access Token Hook", hook.Event);
        Assert.Equal("hook-secret", hook.Token);
        Assert.Equal("access_token", (string?)hook.Body["object_kind"]);
        Assert.Equal("expiring_access_token", (string?)hook.Body["event_name"]);
        Assert.Equal(project, (long)hook.Body["project"]!["id"]!);
        Assert.Equal("team/svc", (string?)hook.Body["project"]!["path_with_namespace"]);
        Assert.Equal((long)token["id"]!, (long)hook.Body["object_attributes"]!["id"]!);
        Assert.Equal("2026-06-06", (string?)hook.Body["object_attributes"]!["expires_at"]);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$", (string?)hook.Body["object_attributes"]!["created_at"]);
    }

    [Fact]
    public async Task Group_tokens_carry_the_group_in_the_hook()
    {
        await using var smtp = new SmtpSink();
        await using var hooks = await WebhookReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(configure: Channels(smtp, hooks));
        var group = await CreateGroupAsync(server, "team");
        await server.PostJsonAsync($"/api/v4/groups/{group}/access_tokens", new { name = "g", scopes = new[] { "api" }, expires_at = "2026-06-05" });
        await RunAsync(server);
        var hook = Assert.Single(hooks.Deliveries);
        Assert.Equal("team", (string?)hook.Body["group"]!["group_path"]);
        Assert.Equal(group, (long)hook.Body["group"]!["group_id"]!);
        Assert.Null(hook.Body["project"]);
    }
}
