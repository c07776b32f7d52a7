using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Http;

public class UsersApiTests
{
    [Fact]
    public async Task Current_user_shows_own_email_but_not_admin_flag()
    {
        await using var server = await TestServer.StartAsync();
        var id = await server.CreateUserAsync("alice");
        var (_, token) = await server.CreateTokenAsync(id, ["read_user"]);
        var json = await TestServer.Json(await server.GetAsync("/api/v4/user", token));
        Assert.Equal(id, (long)json["id"]!);
        Assert.Equal("alice@example.com", (string?)json["email"]);
        Assert.Equal("active", (string?)json["state"]);
        Assert.Null(json["is_admin"]);
        Assert.EndsWith("/alice", (string?)json["web_url"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admins_create_users_and_duplicates_conflict()
    {
        await using var server = await TestServer.StartAsync();
        var created = await server.PostJsonAsync("/api/v4/users", new { username = "new.user", email = "new@example.com", name = "New User", password = "ignored-secret" });
        await Expect.StatusAsync(created, 201);
        var json = await TestServer.Json(created);
        Assert.Equal("new.user", (string?)json["username"]);
        Assert.False((bool)json["is_admin"]!);

        await Expect.BodyAsync(await server.PostJsonAsync("/api/v4/users", new { username = "NEW.user", email = "other@example.com", name = "x" }), 409, """{"message":"Username has already been taken"}""");
        await Expect.BodyAsync(await server.PostJsonAsync("/api/v4/users", new { username = "other", email = "NEW@example.com", name = "x" }), 409, """{"message":"Email has already been taken"}""");
        await Expect.BodyAsync(await server.PostJsonAsync("/api/v4/users", new { username = "x" }), 400, """{"error":"email is missing, name is missing"}""");
        await Expect.StatusAsync(await server.PostJsonAsync("/api/v4/users", new { username = "-bad", email = "b@example.com", name = "x" }), 400);
        await Expect.StatusAsync(await server.PostJsonAsync("/api/v4/users", new { username = "okname", email = "no-at-sign", name = "x" }), 400);

        // The password is accepted for client compatibility and goes nowhere, not even the log.
        var line = await server.LogLineAsync(l => (string?)l["method"] == "POST" && (int?)l["status"] == 201);
        Assert.Contains("\"[FILTERED]\"", line.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("ignored-secret", await File.ReadAllTextAsync(server.LogPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Users_list_filters_and_paginates()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateUserAsync("anna");
        var b = await server.CreateUserAsync("bert");
        await server.PostJsonAsync($"/api/v4/users/{b}/block", new { });

        var byName = await TestServer.Json(await server.GetAsync("/api/v4/users?username=ANNA"));
        Assert.Equal("anna", (string?)Assert.Single(byName.AsArray())!["username"]);
        var blocked = await TestServer.Json(await server.GetAsync("/api/v4/users?blocked=true"));
        Assert.Equal("bert", (string?)Assert.Single(blocked.AsArray())!["username"]);
        var search = await TestServer.Json(await server.GetAsync("/api/v4/users?search=er"));
        Assert.Equal("bert", (string?)Assert.Single(search.AsArray())!["username"]);
        var page = await server.GetAsync("/api/v4/users?per_page=2");
        Assert.Equal("3", string.Join(",", page.Headers.GetValues("x-total")));
        Assert.Equal(2, (await TestServer.Json(page)).AsArray().Count);
    }

    [Fact]
    public async Task Unknown_users_are_404_and_bad_ids_400()
    {
        await using var server = await TestServer.StartAsync();
        await Expect.BodyAsync(await server.GetAsync("/api/v4/users/4242"), 404, """{"message":"404 User Not Found"}""");
        await Expect.BodyAsync(await server.PostJsonAsync("/api/v4/users/4242/block", new { }), 404, """{"message":"404 User Not Found"}""");
        await Expect.BodyAsync(await server.GetAsync("/api/v4/users/-1"), 400, """{"error":"id is invalid"}""");
        await Expect.BodyAsync(await server.GetAsync("/api/v4/nothing/here"), 404, """{"error":"404 Not Found"}""");
        await Expect.BodyAsync(await server.Client.SendAsync(TestServer.Request(HttpMethod.Put, "/api/v4/user")), 405, """{"error":"405 Not Allowed"}""");
    }

    [Fact]
    public async Task Other_users_see_each_other_without_email()
    {
        await using var server = await TestServer.StartAsync();
        var a = await server.CreateUserAsync("anna");
        var (_, token) = await server.CreateTokenAsync(a, ["read_api"]);
        var root = await TestServer.Json(await server.GetAsync("/api/v4/users/1", token));
        Assert.Equal("root", (string?)root["username"]);
        Assert.NotNull(root["created_at"]);
        Assert.Null(root["email"]);
        Assert.Null(root["is_admin"]);
        var asAdmin = await TestServer.Json(await server.GetAsync($"/api/v4/users/{a}"));
        Assert.Equal("anna@example.com", (string?)asAdmin["email"]);
        Assert.False((bool)asAdmin["is_admin"]!);
    }

    [Fact]
    public async Task Pages_past_the_end_are_empty_not_errors()
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.GetAsync($"/api/v4/users?page={int.MaxValue}&per_page=100");
        await Expect.BodyAsync(response, 200, "[]");
        Assert.Equal((int.MaxValue - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), string.Join(",", response.Headers.GetValues("x-prev-page")));
    }
}
