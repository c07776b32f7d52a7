using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;
using static Tokenward.Tests.Http.GroupsAndProjectsApiTests;

namespace Tokenward.Tests.Http;

public class ResourceAccessTokensApiTests
{
    [Theory]
    [InlineData("projects", DatabaseEngine.Sqlite)]
    [InlineData("groups", DatabaseEngine.Sqlite)]
    [InlineData("projects", DatabaseEngine.Postgres)]
    [InlineData("groups", DatabaseEngine.Postgres)]
    public async Task A_resource_token_is_a_bot_member_with_a_token(string kind, DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var group = await CreateGroupAsync(server, "team");
        var id = kind == "groups" ? group : await CreateProjectAsync(server, "svc", group);

        var created = await server.PostJsonAsync($"/api/v4/{kind}/{id}/access_tokens", new { name = "deploy", scopes = new[] { "read_api" }, access_level = 20, expires_at = "2026-12-01" });
        await Expect.StatusAsync(created, 201);
        var json = await TestServer.Json(created);
        Assert.Equal(20, (int)json["access_level"]!);
        Assert.Equal(kind[..^1], (string?)json["resource_type"]);
        Assert.Equal(id, (long)json["resource_id"]!);
        var botId = (long)json["user_id"]!;
        var token = (string)json["token"]!;
        var tokenId = (long)json["id"]!;

        var bot = await TestServer.Json(await server.GetAsync($"/api/v4/users/{botId}"));
        Assert.Matches($"^{kind[..^1]}_{id}_bot_[0-9a-f]{{32}}$", (string?)bot["username"]);
        var members = await TestServer.Json(await server.GetAsync($"/api/v4/{kind}/{id}/members"));
        Assert.Contains(members.AsArray(), m => (long)m!["id"]! == botId && (int)m["access_level"]! == 20);

        // The token reaches its resource, and nothing else.
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/{kind}/{id}", token), 200);
        var elsewhere = await CreateGroupAsync(server, "elsewhere");
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/groups/{elsewhere}", token), 404);
        // A Reporter-level bot may not read its resource's tokens: 401, as GitLab.
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/{kind}/{id}/access_tokens", token), 401);

        var list = await TestServer.Json(await server.GetAsync($"/api/v4/{kind}/{id}/access_tokens?state=active"));
        Assert.Equal(tokenId, (long)Assert.Single(list.AsArray())!["id"]!);
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/{kind}/{id}/access_tokens/{tokenId}"), 200);

        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/{kind}/{id}/access_tokens/{tokenId}"), 204);
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/{kind}/{id}", token), 401);
        Assert.Empty((await TestServer.Json(await server.GetAsync($"/api/v4/{kind}/{id}/access_tokens?state=active"))).AsArray());
        Assert.Single((await TestServer.Json(await server.GetAsync($"/api/v4/{kind}/{id}/access_tokens?state=inactive"))).AsArray());
        Assert.Equal("blocked", (string?)(await TestServer.Json(await server.GetAsync($"/api/v4/users/{botId}")))["state"]);
    }

    [Fact]
    public async Task Only_maintainers_of_projects_and_owners_of_groups_manage_tokens_within_their_level()
    {
        await using var server = await TestServer.StartAsync();
        var group = await CreateGroupAsync(server, "team");
        var project = await CreateProjectAsync(server, "svc", group);
        var dev = await server.CreateUserAsync("dev");
        var maint = await server.CreateUserAsync("maint");
        var (_, devToken) = await server.CreateTokenAsync(dev, ["api"]);
        var (_, maintToken) = await server.CreateTokenAsync(maint, ["api"]);
        await AddMemberAsync(server, "groups", group, dev, 30);
        await AddMemberAsync(server, "groups", group, maint, 40);

        // A developer creating any token, and an owner-level one in particular: refused, as GitLab words it.
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "x", scopes = new[] { "api" }, access_level = 50 }, devToken),
            400, """{"message":"400 Bad request - User does not have permission to create project access token"}""");
        await Expect.BodyAsync(await server.GetAsync($"/api/v4/projects/{project}/access_tokens", devToken), 401, """{"message":"401 Unauthorized"}""");
        // A maintainer may, up to maintainer.
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "ok", scopes = new[] { "api" } }, maintToken), 201);
        await Expect.BodyAsync(
            await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "x", scopes = new[] { "api" }, access_level = 50 }, maintToken),
            400,
            """{"message":"400 Bad request - Access level of the token contains permissions not held by the creating user"}""");
        // Group tokens need an owner.
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/groups/{group}/access_tokens", new { name = "x", scopes = new[] { "api" } }, maintToken),
            400, """{"message":"400 Bad request - User does not have permission to create group access token"}""");
    }

    [Theory]
    [InlineData("""{"name":"x","scopes":["read_user"]}""", """{"error":"scopes does not have a valid value"}""")]
    [InlineData("""{"name":"x","scopes":["sudo"]}""", """{"error":"scopes does not have a valid value"}""")]
    [InlineData("""{"name":"x","scopes":["api"],"access_level":45}""", """{"error":"access_level does not have a valid value"}""")]
    [InlineData("""{"scopes":["api"]}""", """{"error":"name is missing"}""")]
    public async Task Bad_resource_token_requests_get_400(string body, string error)
    {
        await using var server = await TestServer.StartAsync();
        var project = await CreateProjectAsync(server, "svc");
        var response = await server.Client.SendAsync(TestServer.Request(HttpMethod.Post, $"/api/v4/projects/{project}/access_tokens", content: new StringContent(body, System.Text.Encoding.UTF8, "application/json")));
        await Expect.BodyAsync(response, 400, error);
    }

    [Fact]
    public async Task A_bot_tokens_rights_are_its_scopes_and_its_membership()
    {
        await using var server = await TestServer.StartAsync();
        var group = await CreateGroupAsync(server, "team");
        var project = await CreateProjectAsync(server, "svc", group);
        var reader = await TestServer.Json(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "r", scopes = new[] { "read_api" }, access_level = 40 }));
        var token = (string)reader["token"]!;
        // read_api cannot write, whatever the membership.
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/members", new { user_id = 1, access_level = 10 }, token), 403);
        // A bot cannot make groups or projects.
        var writer = await TestServer.Json(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "w", scopes = new[] { "api" } }));
        await Expect.StatusAsync(await server.PostJsonAsync("/api/v4/groups", new { name = "botgroup" }, (string)writer["token"]!), 403);
        await Expect.StatusAsync(await server.PostJsonAsync("/api/v4/projects", new { name = "botproject" }, (string)writer["token"]!), 403);
    }

    [Fact]
    public async Task Deleting_a_group_leaves_no_usable_credential_behind()
    {
        await using var server = await TestServer.StartAsync();
        var group = await CreateGroupAsync(server, "team");
        var sub = await CreateGroupAsync(server, "sub", group);
        var project = await CreateProjectAsync(server, "svc", sub);
        var groupToken = (string)(await TestServer.Json(await server.PostJsonAsync($"/api/v4/groups/{group}/access_tokens", new { name = "g", scopes = new[] { "api" } })))["token"]!;
        var projectJson = await TestServer.Json(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "p", scopes = new[] { "api" } }));
        var projectToken = (string)projectJson["token"]!;
        await Expect.StatusAsync(await server.GetAsync("/api/v4/personal_access_tokens/self", projectToken), 200);

        await Expect.BodyAsync(await server.DeleteAsync($"/api/v4/groups/{group}"), 202, """{"message":"202 Accepted"}""");
        await Expect.StatusAsync(await server.GetAsync("/api/v4/personal_access_tokens/self", groupToken), 401);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/personal_access_tokens/self", projectToken), 401);
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/projects/{project}"), 404);
        // The bot users are kept (their tokens stay visible to admins, inactive).
        var bot = await TestServer.Json(await server.GetAsync($"/api/v4/users/{projectJson["user_id"]}"));
        Assert.Equal("blocked", (string?)bot["state"]);
    }

    [Fact]
    public async Task Deleting_a_project_revokes_its_tokens_and_needs_an_owner()
    {
        await using var server = await TestServer.StartAsync();
        var group = await CreateGroupAsync(server, "team");
        var project = await CreateProjectAsync(server, "svc", group);
        var maint = await server.CreateUserAsync("maint");
        var (_, maintToken) = await server.CreateTokenAsync(maint, ["api"]);
        await AddMemberAsync(server, "groups", group, maint, 40);
        var token = (string)(await TestServer.Json(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "p", scopes = new[] { "api" } })))["token"]!;

        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/projects/{project}", maintToken), 403);
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/projects/{project}"), 202);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/personal_access_tokens/self", token), 401);
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/projects/{project}/access_tokens"), 404);
    }
}
