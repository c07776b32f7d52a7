using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Http;

public class ImpersonationTokensApiTests
{
    [Fact]
    public async Task Admins_create_list_show_and_revoke_impersonation_tokens()
    {
        await using var server = await TestServer.StartAsync();
        var alice = await server.CreateUserAsync("alice");
        var created = await server.PostJsonAsync($"/api/v4/users/{alice}/impersonation_tokens", new { name = "support", scopes = new[] { "api" }, expires_at = "2026-07-01" });
        await Expect.StatusAsync(created, 201);
        var json = await TestServer.Json(created);
        Assert.True((bool)json["impersonation"]!);
        Assert.Equal(alice, (long)json["user_id"]!);
        var id = (long)json["id"]!;
        var token = (string)json["token"]!;

        // The token acts as the user.
        Assert.Equal("alice", (string?)(await TestServer.Json(await server.GetAsync("/api/v4/user", token)))["username"]);

        var list = await TestServer.Json(await server.GetAsync($"/api/v4/users/{alice}/impersonation_tokens?state=active"));
        var listed = Assert.Single(list.AsArray())!;
        Assert.Equal(id, (long)listed["id"]!);
        Assert.True((bool)listed["impersonation"]!);
        Assert.Null(listed["token"]);

        var shown = await TestServer.Json(await server.GetAsync($"/api/v4/users/{alice}/impersonation_tokens/{id}"));
        Assert.Equal("support", (string?)shown["name"]);

        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/users/{alice}/impersonation_tokens/{id}"), 204);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", token), 401);
        Assert.Empty((await TestServer.Json(await server.GetAsync($"/api/v4/users/{alice}/impersonation_tokens?state=active"))).AsArray());
        Assert.Single((await TestServer.Json(await server.GetAsync($"/api/v4/users/{alice}/impersonation_tokens?state=inactive"))).AsArray());
    }

    [Fact]
    public async Task Impersonation_tokens_are_hidden_from_the_user_and_admin_only()
    {
        await using var server = await TestServer.StartAsync();
        var alice = await server.CreateUserAsync("alice");
        var (_, own) = await server.CreateTokenAsync(alice, ["api"]);
        var imp = await TestServer.Json(await server.PostJsonAsync($"/api/v4/users/{alice}/impersonation_tokens", new { name = "support", scopes = new[] { "api" }, expires_at = "2026-12-01" }));
        var impId = (long)imp["id"]!;

        Assert.Single((await TestServer.Json(await server.GetAsync("/api/v4/personal_access_tokens", own))).AsArray());
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/personal_access_tokens/{impId}", own), 401);
        await Expect.BodyAsync(await server.DeleteAsync($"/api/v4/personal_access_tokens/{impId}", own), 400, """{"message":"400 Bad request"}""");
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/users/{alice}/impersonation_tokens", own), 403);
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/users/{alice}/impersonation_tokens", new { name = "x", scopes = new[] { "api" }, expires_at = "2026-12-01" }, own), 403);
    }

    [Fact]
    public async Task Unknown_users_and_tokens_are_404()
    {
        await using var server = await TestServer.StartAsync();
        await Expect.BodyAsync(await server.GetAsync("/api/v4/users/999/impersonation_tokens"), 404, """{"message":"404 User Not Found"}""");
        await Expect.BodyAsync(await server.GetAsync("/api/v4/users/1/impersonation_tokens/999"), 404, """{"message":"404 Impersonation Token Not Found"}""");
        // A plain personal access token is not an impersonation token.
        await Expect.BodyAsync(await server.GetAsync("/api/v4/users/1/impersonation_tokens/1"), 404, """{"message":"404 Impersonation Token Not Found"}""");
        await Expect.BodyAsync(await server.PostJsonAsync("/api/v4/users/1/impersonation_tokens", new { name = "x" }), 400, """{"error":"scopes is missing"}""");
        await Expect.BodyAsync(await server.GetAsync("/api/v4/users/1/impersonation_tokens?state=gone"), 400, """{"error":"state does not have a valid value"}""");
    }

    [Fact]
    public async Task Disabling_impersonation_stops_impersonation_tokens_only()
    {
        await using var server = await TestServer.StartAsync(configure: s => s with { ImpersonationEnabled = false });
        var alice = await server.CreateUserAsync("alice");
        var (_, own) = await server.CreateTokenAsync(alice, ["api"]);
        var imp = await TestServer.Json(await server.PostJsonAsync($"/api/v4/users/{alice}/impersonation_tokens", new { name = "support", scopes = new[] { "api" }, expires_at = "2026-12-01" }));
        var response = await server.GetAsync("/api/v4/user", (string)imp["token"]!);
        await Expect.StatusAsync(response, 401);
        Assert.Equal("Token is an impersonation token but impersonation was disabled.", (string?)(await TestServer.Json(response))["error_description"]);
        var line = await server.LogLineAsync(l => (string?)l["meta.auth_fail_reason"] == "impersonation_disabled");
        Assert.Equal($"PersonalAccessToken/{imp["id"]}", (string?)line["meta.auth_fail_token_id"]);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", own), 200);
    }
}
