using Tokenward.Tests.Infrastructure;
using static Tokenward.Tests.Http.GroupsAndProjectsApiTests;

namespace Tokenward.Tests.Http;

public class AuditEventsTests
{
    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Token_changes_are_audited_with_who_what_and_before_after(Tokenward.Storage.DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (id, _) = await server.CreateTokenAsync(alice, ["api"]);
        server.Clock.Advance(TimeSpan.FromHours(1));
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/personal_access_tokens/{id}"), 204);

        var events = await TestServer.Json(await server.GetAsync($"/api/v4/audit_events?entity_type=User&entity_id={alice}"));
        var names = events.AsArray().Select(e => (string)e!["event_name"]!).ToList();
        Assert.Equal(new[] { "personal_access_token_revoked", "personal_access_token_created", "user_created" }, names);
        var revoked = events[0]!;
        Assert.Equal(1, (long)revoked["author_id"]!);
        Assert.Equal("root", (string?)revoked["details"]!["author_name"]);
        Assert.Equal("127.0.0.1", (string?)revoked["ip_address"]);
        Assert.Equal("PersonalAccessToken", (string?)revoked["target_type"]);
        Assert.Equal(id, (long)revoked["target_id"]!);
        Assert.False((bool)revoked["details"]!["before"]!["revoked"]!);
        Assert.True((bool)revoked["details"]!["after"]!["revoked"]!);

        var later = await TestServer.Json(await server.GetAsync("/api/v4/audit_events?created_after=2026-06-01T10:30:00Z&entity_type=User"));
        Assert.Equal("personal_access_token_revoked", (string?)Assert.Single(later.AsArray())!["event_name"]);
        await Expect.BodyAsync(await server.GetAsync("/api/v4/audit_events?entity_type=Planet"), 400, """{"error":"entity_type does not have a valid value"}""");

        var line = await AuditLineAsync(server, l => (string?)l["event_name"] == "personal_access_token_revoked");
        Assert.Equal(id, (long)line["target_id"]!);
    }

    [Fact]
    public async Task Only_admins_read_audit_events()
    {
        await using var server = await TestServer.StartAsync();
        var alice = await server.CreateUserAsync("alice");
        var (_, token) = await server.CreateTokenAsync(alice, ["api"]);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/audit_events", token), 403);
        await Expect.BodyAsync(await server.GetAsync("/api/v4/audit_events/99999"), 404, """{"message":"404 Audit Event Not Found"}""");
    }

    [Fact]
    public async Task Resource_token_events_are_filed_under_their_project_and_bot_removal_is_audited()
    {
        await using var server = await TestServer.StartAsync();
        var project = await CreateProjectAsync(server, "svc");
        var created = await TestServer.Json(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "deploy", scopes = new[] { "api" } }));
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens/{created["id"]}/rotate", new { }), 200);
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/projects/{project}"), 202);

        var events = await TestServer.Json(await server.GetAsync($"/api/v4/audit_events?entity_type=Project&entity_id={project}"));
        Assert.Contains(events.AsArray(), e => (string?)e!["event_name"] == "project_access_token_created");
        Assert.Contains(events.AsArray(), e => (string?)e!["event_name"] == "project_access_token_rotated");
        var bots = await TestServer.Json(await server.GetAsync($"/api/v4/audit_events?entity_type=User&entity_id={created["user_id"]}"));
        Assert.Contains(bots.AsArray(), e => (string?)e!["event_name"] == "bot_user_removed");

        // Revoking the last token of a bot removes it too, audited.
        var other = await CreateProjectAsync(server, "other");
        var second = await TestServer.Json(await server.PostJsonAsync($"/api/v4/projects/{other}/access_tokens", new { name = "x", scopes = new[] { "api" } }));
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/projects/{other}/access_tokens/{second["id"]}"), 204);
        var removed = await TestServer.Json(await server.GetAsync($"/api/v4/audit_events?entity_type=User&entity_id={second["user_id"]}"));
        Assert.Contains(removed.AsArray(), e => (string?)e!["event_name"] == "bot_user_removed" && (string?)e["details"]!["reason"] == "no active resource access token left");
    }

    private static async Task<System.Text.Json.Nodes.JsonObject> AuditLineAsync(TestServer server, Func<System.Text.Json.Nodes.JsonObject, bool> match)
    {
        var path = Path.Combine(server.Settings.LogDir, "audit_json.log");
        var deadline = Deadline.InSeconds(10);
        while (true)
        {
            if (File.Exists(path))
            {
                await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var reader = new StreamReader(stream);
                while (await reader.ReadLineAsync() is { } text)
                {
                    if (System.Text.Json.Nodes.JsonNode.Parse(text) is System.Text.Json.Nodes.JsonObject o && match(o))
                    {
                        return o;
                    }
                }
            }

            Assert.True(!deadline.Passed, "no matching audit_json.log line");
            await Task.Delay(25);
        }
    }
}
