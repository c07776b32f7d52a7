using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Notifications;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;
using static Tokenward.Tests.Http.GroupsAndProjectsApiTests;

namespace Tokenward.Tests.TokenService;

/// <summary><c>POST /api/v4/token_leaks</c>: values found in the wild revoked, their owners told where, the report audited, nothing said about which existed.</summary>
public sealed class LeakReportTests
{
    private static HttpRequestMessage Report(string caller, object body) =>
        TestServer.Request(HttpMethod.Post, "/api/v4/token_leaks", caller, JsonContent.Create(body));

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Leaked_tokens_are_revoked_their_owners_told_where_by_mail_and_webhook_and_the_report_audited(DatabaseEngine engine)
    {
        await using var smtp = new SmtpSink();
        await using var hooks = await WebhookReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(engine, Http.NoticeDeliveryTests.Channels(smtp, hooks));
        var scanner = await server.CreateUserAsync("scanner");
        var (_, reporter) = await server.CreateTokenAsync(scanner, ["report_leaks"]);
        var alice = await server.CreateUserAsync("alice");
        var (aliceId, aliceToken) = await server.CreateTokenAsync(alice, ["api"], name: "laptop");
        var (revokedId, revoked) = await server.CreateTokenAsync(alice, ["api"], name: "old");
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/personal_access_tokens/{revokedId}"), 204);
        var group = await CreateGroupAsync(server, "team"); // root is its Owner, so a Maintainer of its project
        var project = await CreateProjectAsync(server, "svc", group);
        var created = await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "ci", scopes = new[] { "api" }, expires_at = "2026-07-01" });
        await Expect.StatusAsync(created, 201);
        var projectToken = await TestServer.Json(created);

        using var response = await server.Client.SendAsync(Report(reporter, new
        {
            location = "https://paste.example/default",
            tokens = new object[]
            {
                new { token = aliceToken, location = "https://paste.example/a1" },
                new { token = (string)projectToken["token"]! },
                new { token = revoked, location = "https://paste.example/old" },
                "glpat-never-issued-here-00000000000000000000",
            },
        }));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("""{"received":4}""", await response.Content.ReadAsStringAsync());

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await server.GetAsync("/api/v4/user", aliceToken)).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await server.GetAsync("/api/v4/user", (string)projectToken["token"]!)).StatusCode);

        await using (var scope = server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
            var report = await db.AuditEvents.SingleAsync(e => e.EventName == "token_leak_reported");
            var details = JsonNode.Parse(report.Details)!;
            Assert.Equal((4, 2), ((int)details["received"]!, (int)details["revoked_count"]!));
            Assert.Equal(["https://paste.example/a1", "https://paste.example/default"], details["revoked"]!.AsArray().Select(r => (string)r!["location"]!).Order());
            Assert.Equal(2, await db.AuditEvents.CountAsync(e => e.EventName.EndsWith("_revoked") && e.Details.Contains("leak_report")));

            // Sent by the notifier, as any notice: once, with where it was found.
            var sent = await scope.ServiceProvider.GetRequiredService<ExpiryNotifier>().RunOnceAsync(CancellationToken.None);
            Assert.Equal(4, sent["leaked"]); // alice's mail, root's mail (the project's Owner), two webhooks
        }

        var aliceMail = Assert.Single(smtp.Messages, m => m.To.Contains("alice@example.com"));
        Assert.Contains("Your personal access token 'laptop' has been revoked", aliceMail.Data, StringComparison.Ordinal);
        Assert.Contains("https://paste.example/a1", aliceMail.Data, StringComparison.Ordinal);
        Assert.Contains(smtp.Messages, m => m.To.Contains("admin@example.com") && m.Data.Contains("project access token 'ci' has been revoked", StringComparison.Ordinal));
        Assert.Equal(2, hooks.Deliveries.Count);
        Assert.All(hooks.Deliveries, d => Assert.Equal("leaked_access_token_revoked", (string?)d.Body["event_name"]));
        Assert.Contains(hooks.Deliveries, d => (long)d.Body["object_attributes"]!["id"]! == aliceId && (string?)d.Body["location"] == "https://paste.example/a1" && (string?)d.Body["user"]!["username"] == "alice");

        // Reported again: nothing more is revoked or sent, and the answer is the same.
        using var again = await server.Client.SendAsync(Report(reporter, new { tokens = new[] { aliceToken } }));
        Assert.Equal("""{"received":1}""", await again.Content.ReadAsStringAsync());
        await using (var scope = server.Services.CreateAsyncScope())
        {
            Assert.Equal(0, (await scope.ServiceProvider.GetRequiredService<ExpiryNotifier>().RunOnceAsync(CancellationToken.None))["leaked"]);
        }
    }

    [Fact]
    public async Task Only_the_report_leaks_scope_may_report_and_bad_reports_are_refused()
    {
        await using var server = await TestServer.StartAsync();
        var alice = await server.CreateUserAsync("alice");
        var (_, api) = await server.CreateTokenAsync(alice, ["api"]);
        var (_, reporter) = await server.CreateTokenAsync(alice, ["report_leaks"], name: "reporter");

        using (var noScope = await server.Client.SendAsync(Report(api, new { tokens = new[] { reporter } })))
        {
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, noScope.StatusCode);
        }

        foreach (var (body, error) in new (object Body, string Error)[]
        {
            (new { }, "tokens is missing"),
            (new { tokens = Array.Empty<string>() }, "tokens is missing"),
            (new { tokens = new[] { new { location = "x" } } }, "tokens[token] is missing"),
            (new { tokens = Enumerable.Repeat("glpat-x", 1001).ToArray() }, "tokens must have at most 1000 elements"),
        })
        {
            using var refused = await server.Client.SendAsync(Report(reporter, body));
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal(error, (string?)(await TestServer.Json(refused))["error"]);
        }

        // The values never reach api_json.log.
        Assert.DoesNotContain(server.ReadLogLines(), l => l.ToJsonString().Contains(api, StringComparison.Ordinal));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await server.GetAsync("/api/v4/user", api)).StatusCode);
    }
}
