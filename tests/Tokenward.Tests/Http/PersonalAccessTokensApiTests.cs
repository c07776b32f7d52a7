using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Http;

public class PersonalAccessTokensApiTests
{
    private static long[] Ids(JsonNode json) => json.AsArray().Select(t => t!["id"]!.GetValue<long>()).ToArray();

    [Fact]
    public async Task Create_returns_gitlab_json_with_the_token_once()
    {
        await using var server = await TestServer.StartAsync();
        var userId = await server.CreateUserAsync("alice");
        var response = await server.PostFormAsync($"/api/v4/users/{userId}/personal_access_tokens", [
            new("name", "ci"), new("scopes[]", "api"), new("scopes[]", "read_user"), new("expires_at", "2026-12-01"), new("description", "for CI"),
        ]);
        await Expect.StatusAsync(response, 201);
        var json = (JsonObject)await TestServer.Json(response);
        Assert.Equal(
            ["id", "name", "revoked", "created_at", "description", "scopes", "user_id", "last_used_at", "active", "expires_at", "token"],
            json.Select(p => p.Key).ToArray());
        Assert.Equal("ci", (string?)json["name"]);
        Assert.Equal("for CI", (string?)json["description"]);
        Assert.Equal(["api", "read_user"], json["scopes"]!.AsArray().Select(s => (string)s!).ToArray());
        Assert.Equal(userId, (long)json["user_id"]!);
        Assert.Equal("2026-12-01", (string?)json["expires_at"]);
        Assert.Equal("2026-06-01T10:00:00.000Z", (string?)json["created_at"]);
        Assert.True((bool)json["active"]!);
        Assert.Null(json["last_used_at"]);
        var token = (string)json["token"]!;
        Assert.StartsWith("glpat-", token, StringComparison.Ordinal);

        var again = await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens/{json["id"]}"));
        Assert.Null(again["token"]);
        Assert.DoesNotContain(token, await File.ReadAllTextAsync(server.LogPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_plaintext_is_never_stored()
    {
        await using var server = await TestServer.StartAsync();
        var userId = await server.CreateUserAsync("alice");
        var (id, token) = await server.CreateTokenAsync(userId, ["api"]);
        await using var scope = server.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<TokenwardDb>().PersonalAccessTokens.SingleAsync(t => t.Id == id);
        Assert.DoesNotContain(token, stored.TokenDigest, StringComparison.Ordinal);
        Assert.Equal(64, stored.TokenDigest.Length);
        var bytes = await File.ReadAllBytesAsync(Path.Combine(server.Dir, "tokenward.sqlite3"));
        Assert.DoesNotContain(token, System.Text.Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_expires_at_a_token_gets_the_maximum_lifetime()
    {
        await using var server = await TestServer.StartAsync();
        var json = await TestServer.Json(await server.PostJsonAsync("/api/v4/users/1/personal_access_tokens", new { name = "n", scopes = new[] { "api" } }));
        Assert.Equal("2027-06-01", (string?)json["expires_at"]);
    }

    [Fact]
    public async Task Without_required_expiry_a_token_may_never_expire()
    {
        await using var server = await TestServer.StartAsync(configure: s => s with { RequireTokenExpiry = false });
        var json = await TestServer.Json(await server.PostJsonAsync("/api/v4/users/1/personal_access_tokens", new { name = "n", scopes = new[] { "api" } }));
        Assert.Null(json["expires_at"]);
    }

    [Theory]
    [InlineData("""{"scopes":["api"]}""", """{"error":"name is missing"}""")]
    [InlineData("""{"name":"n"}""", """{"error":"scopes is missing"}""")]
    [InlineData("""{}""", """{"error":"name is missing, scopes is missing"}""")]
    [InlineData("""{"name":"n","scopes":["api","write_everything"]}""", """{"error":"scopes does not have a valid value"}""")]
    [InlineData("""{"name":"n","scopes":["api"],"expires_at":"next week"}""", """{"error":"expires_at is invalid"}""")]
    [InlineData("""{"name":"n","scopes":["api"],"expires_at":"2027-06-02"}""", """{"message":{"expires_at":["must be on or before 2027-06-01 (the maximum lifetime is 365 days)"]}}""")]
    [InlineData("""{"name":"   ","scopes":["api"]}""", """{"message":{"name":["can't be blank"]}}""")]
    public async Task Bad_create_requests_get_400_naming_the_parameter(string body, string error)
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.Client.SendAsync(TestServer.Request(HttpMethod.Post, "/api/v4/users/1/personal_access_tokens", content: new StringContent(body, System.Text.Encoding.UTF8, "application/json")));
        await Expect.BodyAsync(response, 400, error);
    }

    [Fact]
    public async Task Malformed_json_is_a_400_not_a_500()
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.Client.SendAsync(TestServer.Request(HttpMethod.Post, "/api/v4/users/1/personal_access_tokens", content: new StringContent("{\"name\":", System.Text.Encoding.UTF8, "application/json")));
        await Expect.BodyAsync(response, 400, """{"message":"400 Bad request - the request body is not valid JSON"}""");
    }

    [Fact]
    public async Task Creating_for_an_unknown_user_is_404()
    {
        await using var server = await TestServer.StartAsync();
        await Expect.BodyAsync(await server.PostJsonAsync("/api/v4/users/999/personal_access_tokens", new { name = "n", scopes = new[] { "api" } }), 404, """{"message":"404 User Not Found"}""");
        await Expect.BodyAsync(await server.PostJsonAsync("/api/v4/users/abc/personal_access_tokens", new { name = "n", scopes = new[] { "api" } }), 400, """{"error":"user_id is invalid"}""");
    }

    [Fact]
    public async Task Users_may_create_only_limited_scope_tokens_for_themselves()
    {
        await using var server = await TestServer.StartAsync();
        var userId = await server.CreateUserAsync("kate");
        var (_, token) = await server.CreateTokenAsync(userId, ["api"]);
        var ok = await server.PostJsonAsync("/api/v4/user/personal_access_tokens", new { name = "kube", scopes = new[] { "k8s_proxy" } }, token);
        await Expect.StatusAsync(ok, 201);
        Assert.Equal(userId, (long)(await TestServer.Json(ok))["user_id"]!);
        await Expect.BodyAsync(
            await server.PostJsonAsync("/api/v4/user/personal_access_tokens", new { name = "x", scopes = new[] { "api" } }, token),
            400,
            """{"error":"scopes does not have a valid value"}""");
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Admins_list_every_token_and_users_only_their_own(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var bob = await server.CreateUserAsync("bob");
        var (a1, aliceToken) = await server.CreateTokenAsync(alice, ["api"]);
        var (b1, _) = await server.CreateTokenAsync(bob, ["api"]);

        var all = await TestServer.Json(await server.GetAsync("/api/v4/personal_access_tokens"));
        Assert.Equal(new long[] { 1, a1, b1 }, Ids(all));
        var bobs = await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens?user_id={bob}"));
        Assert.Equal(new long[] { b1 }, Ids(bobs));
        await Expect.BodyAsync(await server.GetAsync("/api/v4/personal_access_tokens?user_id=999"), 404, """{"message":"404 Not Found"}""");

        var own = await TestServer.Json(await server.GetAsync("/api/v4/personal_access_tokens", aliceToken));
        Assert.Equal(new long[] { a1 }, Ids(own));
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/personal_access_tokens?user_id={bob}", aliceToken), 401);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Filters_select_tokens_as_gitlab_does(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var u = await server.CreateUserAsync("filter");
        var (early, _) = await server.CreateTokenAsync(u, ["api"], "2026-06-10", name: "Deploy early");
        server.Clock.Advance(TimeSpan.FromDays(2));
        var (late, lateToken) = await server.CreateTokenAsync(u, ["api"], "2026-09-01", name: "deploy late");
        var (revoked, _) = await server.CreateTokenAsync(u, ["api"], "2026-12-01", name: "other");
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/personal_access_tokens/{revoked}"), 204);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", lateToken), 200);
        server.Clock.Advance(TimeSpan.FromDays(10)); // now 2026-06-13: "early" has expired

        async Task<long[]> Query(string q) => Ids(await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens?user_id={u}&{q}")));

        Assert.Equal(new long[] { late }, await Query("state=active"));
        Assert.Equal(new long[] { early, revoked }, await Query("state=inactive"));
        Assert.Equal(new long[] { revoked }, await Query("revoked=true"));
        Assert.Equal(new long[] { early, late }, await Query("revoked=false"));
        Assert.Equal(new long[] { early }, await Query("expires_before=2026-09-01"));
        Assert.Equal(new long[] { late, revoked }, await Query("expires_after=2026-09-01"));
        Assert.Equal(new long[] { early }, await Query("created_before=2026-06-02T00:00:00Z"));
        Assert.Equal(new long[] { late, revoked }, await Query("created_after=2026-06-02"));
        Assert.Equal(new long[] { late }, await Query("last_used_after=2026-06-03T10:00:00Z"));
        Assert.Equal(new long[] { late }, await Query("last_used_before=2026-06-04"));
        Assert.Equal(new long[] { early, late }, await Query("search=DEPLOY"));
        Assert.Empty(await Query("search=%25"));
        Assert.Equal(new long[] { revoked, late, early }, await Query("sort=expires_desc"));
        Assert.Equal(new long[] { revoked, late, early }, await Query("sort=created_desc"));
        Assert.Equal(new long[] { early, late, revoked }, await Query("sort=name_asc"));
        Assert.Equal(new long[] { late, revoked, early }, await Query("sort=last_used_desc"));
    }

    [Theory]
    [InlineData("state=gone", """{"error":"state does not have a valid value"}""")]
    [InlineData("sort=size", """{"error":"sort does not have a valid value"}""")]
    [InlineData("revoked=maybe", """{"error":"revoked is invalid"}""")]
    [InlineData("expires_before=tomorrow", """{"error":"expires_before is invalid"}""")]
    [InlineData("created_after=yesterday", """{"error":"created_after is invalid"}""")]
    [InlineData("page=first", """{"error":"page is invalid"}""")]
    [InlineData("user_id=me", """{"error":"user_id is invalid"}""")]
    public async Task Bad_filters_get_400(string query, string error)
    {
        await using var server = await TestServer.StartAsync();
        await Expect.BodyAsync(await server.GetAsync($"/api/v4/personal_access_tokens?{query}"), 400, error);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Lists_are_paginated_with_gitlab_headers(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        for (var i = 0; i < 4; i++)
        {
            await server.CreateTokenAsync(1, ["api"]);
        }

        // 5 tokens in all (root's first one included), 2 per page.
        var response = await server.GetAsync("/api/v4/personal_access_tokens?per_page=2&page=2&state=active");
        await Expect.StatusAsync(response, 200);
        string H(string name) => string.Join(",", response.Headers.GetValues(name));
        Assert.Equal("2", H("x-page"));
        Assert.Equal("2", H("x-per-page"));
        Assert.Equal("5", H("x-total"));
        Assert.Equal("3", H("x-total-pages"));
        Assert.Equal("3", H("x-next-page"));
        Assert.Equal("1", H("x-prev-page"));
        var link = H("link");
        Assert.Contains($"<{server.BaseAddress}api/v4/personal_access_tokens?state=active&page=1&per_page=2>; rel=\"prev\"", link, StringComparison.Ordinal);
        Assert.Contains("page=3&per_page=2>; rel=\"next\"", link, StringComparison.Ordinal);
        Assert.Contains("page=1&per_page=2>; rel=\"first\"", link, StringComparison.Ordinal);
        Assert.Contains("page=3&per_page=2>; rel=\"last\"", link, StringComparison.Ordinal);
        Assert.Equal(new long[] { 3, 4 }, Ids(await TestServer.Json(response)));

        var last = await server.GetAsync("/api/v4/personal_access_tokens?per_page=2&page=3");
        Assert.Equal(string.Empty, string.Join(",", last.Headers.GetValues("x-next-page")));
        Assert.Single((await TestServer.Json(last)).AsArray());

        var capped = await server.GetAsync("/api/v4/personal_access_tokens?per_page=1000");
        Assert.Equal("100", string.Join(",", capped.Headers.GetValues("x-per-page")));
        var defaults = await server.GetAsync("/api/v4/personal_access_tokens");
        Assert.Equal("20", string.Join(",", defaults.Headers.GetValues("x-per-page")));
        Assert.Equal("1", string.Join(",", defaults.Headers.GetValues("x-page")));
    }

    [Fact]
    public async Task A_token_is_visible_to_its_owner_and_admins_only()
    {
        await using var server = await TestServer.StartAsync();
        var alice = await server.CreateUserAsync("alice");
        var bob = await server.CreateUserAsync("bob");
        var (aliceId, aliceToken) = await server.CreateTokenAsync(alice, ["api"]);
        var (bobId, _) = await server.CreateTokenAsync(bob, ["api"]);

        var own = await server.GetAsync($"/api/v4/personal_access_tokens/{aliceId}", aliceToken);
        await Expect.StatusAsync(own, 200);
        Assert.NotNull((await TestServer.Json(own))["last_used_ips"]);
        await Expect.BodyAsync(await server.GetAsync($"/api/v4/personal_access_tokens/{bobId}", aliceToken), 401, """{"message":"401 Unauthorized"}""");
        await Expect.BodyAsync(await server.GetAsync("/api/v4/personal_access_tokens/9999", aliceToken), 401, """{"message":"401 Unauthorized"}""");
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/personal_access_tokens/{bobId}"), 200);
        await Expect.BodyAsync(await server.GetAsync("/api/v4/personal_access_tokens/9999"), 404, """{"message":"404 Not Found"}""");
    }

    [Fact]
    public async Task Revoking_follows_gitlabs_rules()
    {
        await using var server = await TestServer.StartAsync();
        var alice = await server.CreateUserAsync("alice");
        var bob = await server.CreateUserAsync("bob");
        var (aliceId, aliceToken) = await server.CreateTokenAsync(alice, ["api"]);
        var (aliceOther, _) = await server.CreateTokenAsync(alice, ["api"]);
        var (bobId, bobToken) = await server.CreateTokenAsync(bob, ["api"]);

        // Someone else's token: a bare 400, and it stays usable.
        await Expect.BodyAsync(await server.DeleteAsync($"/api/v4/personal_access_tokens/{bobId}", aliceToken), 400, """{"message":"400 Bad request"}""");
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", bobToken), 200);

        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/personal_access_tokens/{aliceOther}", aliceToken), 204);
        var revoked = await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens/{aliceOther}", aliceToken));
        Assert.True((bool)revoked["revoked"]!);
        Assert.False((bool)revoked["active"]!);

        await Expect.BodyAsync(await server.DeleteAsync("/api/v4/personal_access_tokens/9999"), 404, """{"message":"404 Not found"}""");
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/personal_access_tokens/{bobId}"), 204);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", bobToken), 401);
        Assert.NotEqual(aliceId, bobId);
    }

    [Fact]
    public async Task Self_works_with_any_scope_and_revokes_itself()
    {
        await using var server = await TestServer.StartAsync();
        var u = await server.CreateUserAsync("selfie");
        var (id, token) = await server.CreateTokenAsync(u, ["k8s_proxy"]);
        var self = await server.GetAsync("/api/v4/personal_access_tokens/self", token);
        await Expect.StatusAsync(self, 200);
        Assert.Equal(id, (long)(await TestServer.Json(self))["id"]!);
        await Expect.StatusAsync(await server.DeleteAsync("/api/v4/personal_access_tokens/self", token), 204);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/personal_access_tokens/self", token), 401);
    }
}
