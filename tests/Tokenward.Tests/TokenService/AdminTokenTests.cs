using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;
using static Tokenward.Tests.Http.GroupsAndProjectsApiTests;

namespace Tokenward.Tests.TokenService;

/// <summary>GitLab's <c>POST</c> and <c>DELETE /admin/token</c>, its request spec's cases in our words.</summary>
public sealed class AdminTokenTests
{
    private static HttpRequestMessage Send(HttpMethod method, string value, string? caller = TestServer.RootToken) =>
        TestServer.Request(method, "/api/v4/admin/token", caller, JsonContent.Create(new { token = value }));

    private static async Task<(int Status, JsonNode? Body)> CallAsync(TestServer server, HttpMethod method, string value, string? caller = TestServer.RootToken)
    {
        using var response = await server.Client.SendAsync(Send(method, value, caller));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private static async Task<JsonNode> CreatedAsync(TestServer server, string path, object body)
    {
        var response = await server.PostJsonAsync(path, body);
        await Expect.StatusAsync(response, 201);
        return await TestServer.Json(response);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task An_admin_learns_whose_any_token_is_and_revokes_it_by_value(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (personalId, personal) = await server.CreateTokenAsync(alice, ["api"], "2026-09-01");
        var impersonation = await CreatedAsync(server, $"/api/v4/users/{alice}/impersonation_tokens", new { name = "imp", scopes = new[] { "api" }, expires_at = "2026-08-01" });
        var group = await CreateGroupAsync(server, "team");
        var project = await CreateProjectAsync(server, "svc", group);
        var projectToken = await CreatedAsync(server, $"/api/v4/projects/{project}/access_tokens", new { name = "ci", scopes = new[] { "api" }, expires_at = "2026-07-01" });
        var groupToken = await CreatedAsync(server, $"/api/v4/groups/{group}/access_tokens", new { name = "grp", scopes = new[] { "api" }, expires_at = "2026-07-01" });

        var (status, body) = await CallAsync(server, HttpMethod.Post, personal);
        Assert.Equal(200, status);
        Assert.Equal((personalId, alice, "2026-09-01", true), ((long)body!["id"]!, (long)body["user_id"]!, (string?)body["expires_at"], (bool)body["active"]!));
        Assert.Null(body["token"]);
        foreach (var json in new[] { impersonation, projectToken, groupToken })
        {
            var (found, tokenBody) = await CallAsync(server, HttpMethod.Post, (string)json["token"]!);
            Assert.Equal((200, (long)json["id"]!), (found, (long)tokenBody!["id"]!));
        }

        // The value never reaches the log.
        var line = await server.LogLineAsync(l => (string?)l["route"] == "/api/:version/admin/token");
        Assert.DoesNotContain(personal, line.ToJsonString(), StringComparison.Ordinal);

        foreach (var json in new[] { JsonNode.Parse($$"""{"token":"{{personal}}","id":{{personalId}}}""")!, impersonation, projectToken, groupToken })
        {
            Assert.Equal(204, (await CallAsync(server, HttpMethod.Delete, (string)json["token"]!)).Status);
            using var refused = await server.GetAsync("/api/v4/user", (string)json["token"]!);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
        var revoked = await db.AuditEvents.Where(e => e.EventName.EndsWith("_revoked") && e.Details.Contains("api_admin_token")).CountAsync();
        Assert.Equal(4, revoked);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Unknown_values_unsupported_types_and_callers_who_are_not_admins_are_refused_as_gitlab_does(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (_, aliceToken) = await server.CreateTokenAsync(alice, ["api"]);

        foreach (var method in new[] { HttpMethod.Post, HttpMethod.Delete })
        {
            var (notFound, body) = await CallAsync(server, method, aliceToken + "-non-existing");
            Assert.Equal((404, "Not found"), (notFound, (string?)body!["message"]!["error"]));
            var (unsupported, why) = await CallAsync(server, method, "unsupported");
            Assert.Equal((422, "Token type not supported."), (unsupported, (string?)why!["message"]));
            Assert.Equal(422, (await CallAsync(server, method, "gldt-SomeDeployTokenValue1234")).Status);
            Assert.Equal(403, (await CallAsync(server, method, aliceToken, caller: aliceToken)).Status);
            Assert.Equal(401, (await CallAsync(server, method, aliceToken, caller: null)).Status);
        }

        using var missing = await server.Client.SendAsync(TestServer.Request(HttpMethod.Post, "/api/v4/admin/token", content: JsonContent.Create(new { })));
        Assert.Equal("token is missing", (string?)(await TestServer.Json(missing))["error"]);

        // Alice's token was only looked at, never revoked.
        Assert.Equal(System.Net.HttpStatusCode.OK, (await server.GetAsync("/api/v4/user", aliceToken)).StatusCode);
    }
}
