using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;
using static Tokenward.Tests.Http.GroupsAndProjectsApiTests;

namespace Tokenward.Tests.Faults;

/// <summary>
/// The audit trail fails at the last step of every change (a trigger refuses each audit_events
/// insert): no change may remain without its event.
/// </summary>
public class ChangeWithoutAuditTests
{
    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task No_change_commits_when_its_audit_event_cannot_be_written(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (tokenId, token) = await server.CreateTokenAsync(alice, ["api"]);
        var group = await CreateGroupAsync(server, "team");
        var project = await CreateProjectAsync(server, "svc", group);
        var bot = await TestServer.Json(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "deploy", scopes = new[] { "api" } }));
        var bob = await server.CreateUserAsync("bob");
        var before = await SnapshotAsync(server);

        await using (var scope = server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
            if (engine == DatabaseEngine.Sqlite)
            {
                await db.Database.ExecuteSqlRawAsync("CREATE TRIGGER audit_down BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit trail down'); END;");
            }
            else
            {
                await db.Database.ExecuteSqlRawAsync("CREATE FUNCTION audit_down() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit trail down'; END $$ LANGUAGE plpgsql");
                await db.Database.ExecuteSqlRawAsync("CREATE TRIGGER audit_down BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_down()");
            }
        }

        var attempts = new (string What, Func<Task<HttpResponseMessage>> Send)[]
        {
            ("create a user", () => server.PostJsonAsync("/api/v4/users", new { username = "carol", email = "carol@example.com", name = "Carol" })),
            ("create a token", () => server.PostJsonAsync($"/api/v4/users/{alice}/personal_access_tokens", new { name = "n", scopes = new[] { "api" } })),
            ("revoke a token", () => server.DeleteAsync($"/api/v4/personal_access_tokens/{tokenId}")),
            ("rotate a token", () => server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { }, token)),
            ("create a resource token", () => server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "more", scopes = new[] { "api" } })),
            ("revoke a resource token", () => server.DeleteAsync($"/api/v4/projects/{project}/access_tokens/{bot["id"]}")),
            ("block a user", () => server.PostJsonAsync($"/api/v4/users/{alice}/block", new { })),
            ("add a member", () => server.PostJsonAsync($"/api/v4/groups/{group}/members", new { user_id = bob, access_level = 30 })),
            ("change a setting", () => server.Client.SendAsync(TestServer.Request(HttpMethod.Put, "/api/v4/application/settings", content: JsonContent.Create(new { max_personal_access_token_lifetime = 30 })))),
            ("change a group's limit", () => server.Client.SendAsync(TestServer.Request(HttpMethod.Put, $"/api/v4/groups/{group}", content: JsonContent.Create(new { max_personal_access_token_lifetime = 30 })))),
            ("create a group", () => server.PostJsonAsync("/api/v4/groups", new { name = "other", path = "other" })),
            ("create a project", () => server.PostJsonAsync("/api/v4/projects", new { name = "other", namespace_id = group })),
        };
        foreach (var (what, send) in attempts)
        {
            using var response = await send();
            Assert.True((int)response.StatusCode >= 500, $"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.True(before == await SnapshotAsync(server), $"{what} changed the database without its audit event");
        }

        // The token that was to be rotated or revoked still works.
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", token), 200);
    }

    /// <summary>Everything a change could touch, as one comparable text.</summary>
    private static async Task<string> SnapshotAsync(TestServer server)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
        var tokens = await db.PersonalAccessTokens.OrderBy(t => t.Id).Select(t => $"{t.Id}:{t.Revoked}:{t.ExpiresAt}").ToListAsync();
        var users = await db.Users.OrderBy(u => u.Id).Select(u => $"{u.Id}:{u.State}").ToListAsync();
        var members = await db.Members.OrderBy(m => m.Id).Select(m => $"{m.Id}:{m.UserId}:{m.AccessLevel}").ToListAsync();
        var namespaces = await db.Namespaces.OrderBy(n => n.Id).Select(n => $"{n.Id}:{n.Name}:{n.MaxPersonalAccessTokenLifetime}").ToListAsync();
        var projects = await db.Projects.OrderBy(p => p.Id).Select(p => p.Id).ToListAsync();
        var settings = await db.ApplicationSettings.Select(s => $"{s.RequirePersonalAccessTokenExpiry}:{s.MaxPersonalAccessTokenLifetime}").ToListAsync();
        return string.Join('|', tokens) + "#" + string.Join('|', users) + "#" + string.Join('|', members) + "#" + string.Join('|', namespaces) + "#" + string.Join('|', projects) + "#" + string.Join('|', settings);
    }
}
