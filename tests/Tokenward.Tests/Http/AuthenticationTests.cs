using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Http;

public class AuthenticationTests
{
    private const string ExpiredBody = """{"error":"invalid_token","error_description":"Token is expired. You can either do re-authorization or token refresh."}""";
    private const string RevokedBody = """{"error":"invalid_token","error_description":"Token was revoked. You have to re-authorize from the user."}""";

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_token_authenticates_by_header_bearer_and_query_parameter(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var userId = await server.CreateUserAsync("alice");
        var (_, token) = await server.CreateTokenAsync(userId, ["read_user"]);

        var byHeader = await server.GetAsync("/api/v4/user", token);
        await Expect.StatusAsync(byHeader, 200);
        Assert.Equal("alice", (await TestServer.Json(byHeader))["username"]!.GetValue<string>());

        var bearer = TestServer.Request(HttpMethod.Get, "/api/v4/user", token: null);
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await Expect.StatusAsync(await server.Client.SendAsync(bearer), 200);

        await Expect.StatusAsync(await server.GetAsync($"/api/v4/user?private_token={token}", token: null), 200);
    }

    [Fact]
    public async Task No_token_gets_401_unauthorized()
    {
        await using var server = await TestServer.StartAsync();
        await Expect.BodyAsync(await server.GetAsync("/api/v4/user", token: null), 401, """{"message":"401 Unauthorized"}""");
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Unknown_and_malformed_tokens_get_401_and_are_logged_without_a_token_id(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var format = new Tokenward.Core.Tokens.TokenFormat();
        var valid = format.Generate();
        var badChecksum = valid[..^1] + (valid[^1] == 'A' ? 'B' : 'A');

        foreach (var value in new[] { valid, badChecksum, "not-a-token-but-long-enough" })
        {
            await Expect.BodyAsync(await server.GetAsync("/api/v4/user", value), 401, """{"message":"401 Unauthorized"}""");
        }

        var line = await server.LogLineAsync(l => (int?)l["status"] == 401);
        Assert.Equal("unknown", (string?)line["meta.auth_fail_token_type"]);
        Assert.Equal("private_token_header", (string?)line["meta.auth_fail_auth_header_type"]);
        Assert.False(line.ContainsKey("meta.auth_fail_token_id"));
        Assert.False(line.ContainsKey("meta.auth_fail_reason"));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Expired_token_gets_401_with_token_expired_reason(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var userId = await server.CreateUserAsync("bob");
        var (id, token) = await server.CreateTokenAsync(userId, ["api"], expiresAt: "2026-06-03");

        // Valid through the day before its expiry date (UTC)...
        server.Clock.SetUtcNow(new DateTimeOffset(2026, 6, 2, 23, 59, 59, TimeSpan.Zero));
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", token), 200);

        // ...and expired from the start of that date.
        server.Clock.SetUtcNow(new DateTimeOffset(2026, 6, 3, 0, 0, 0, TimeSpan.Zero));
        var response = await server.GetAsync("/api/v4/user", token);
        await Expect.BodyAsync(response, 401, ExpiredBody);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Contains("Token is expired.", challenge.Parameter, StringComparison.Ordinal);

        var line = await server.LogLineAsync(l => (string?)l["meta.auth_fail_reason"] == "token_expired");
        Assert.Equal(401, (int?)line["status"]);
        Assert.Equal($"PersonalAccessToken/{id}", (string?)line["meta.auth_fail_token_id"]);
        Assert.Equal("PersonalAccessToken", (string?)line["meta.auth_fail_token_type"]);
        Assert.Equal("bob", (string?)line["meta.user"]);
        Assert.Equal("/api/v4/user", (string?)line["path"]);
        Assert.False(line.ContainsKey("user_id"));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Revoked_token_gets_401_with_token_revoked_reason(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var userId = await server.CreateUserAsync("carol");
        var (id, token) = await server.CreateTokenAsync(userId, ["api"]);
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/personal_access_tokens/{id}"), 204);

        var response = await server.GetAsync("/api/v4/user", token);
        await Expect.BodyAsync(response, 401, RevokedBody);
        Assert.Single(response.Headers.WwwAuthenticate);
        var line = await server.LogLineAsync(l => (string?)l["meta.auth_fail_reason"] == "token_revoked");
        Assert.Equal($"PersonalAccessToken/{id}", (string?)line["meta.auth_fail_token_id"]);
    }

    [Fact]
    public async Task Expired_wins_over_revoked()
    {
        await using var server = await TestServer.StartAsync();
        var userId = await server.CreateUserAsync("dan");
        var (id, token) = await server.CreateTokenAsync(userId, ["api"], expiresAt: "2026-06-10");
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/personal_access_tokens/{id}"), 204);
        server.Clock.Advance(TimeSpan.FromDays(30));
        await Expect.BodyAsync(await server.GetAsync("/api/v4/user", token), 401, ExpiredBody);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Missing_scope_gets_403_insufficient_scope_naming_the_scopes_that_suffice(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var userId = await server.CreateUserAsync("erin");
        var (id, token) = await server.CreateTokenAsync(userId, ["read_user"]);

        var response = await server.GetAsync("/api/v4/personal_access_tokens", token);
        await Expect.BodyAsync(response, 403, """
            {"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"api read_api"}
            """);
        Assert.Empty(response.Headers.WwwAuthenticate);

        var line = await server.LogLineAsync(l => (string?)l["meta.auth_fail_reason"] == "insufficient_scope");
        Assert.Equal(403, (int?)line["status"]);
        Assert.Equal($"PersonalAccessToken/{id}", (string?)line["meta.auth_fail_token_id"]);
        Assert.Equal("api read_api", (string?)line["meta.auth_fail_requested_scopes"]);
    }

    [Fact]
    public async Task A_read_api_token_cannot_write()
    {
        await using var server = await TestServer.StartAsync();
        var userId = await server.CreateUserAsync("frank");
        var (_, token) = await server.CreateTokenAsync(userId, ["read_api"]);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/personal_access_tokens", token), 200);
        var response = await server.PostJsonAsync("/api/v4/user/personal_access_tokens", new { name = "x", scopes = new[] { "k8s_proxy" } }, token);
        await Expect.StatusAsync(response, 403);
        Assert.Equal("api", (string?)(await TestServer.Json(response))["scope"]);
    }

    [Fact]
    public async Task Impersonation_token_fails_when_impersonation_is_disabled()
    {
        await using var server = await TestServer.StartAsync(configure: s => s with { ImpersonationEnabled = false });
        var userId = await server.CreateUserAsync("gina");
        var (id, token) = await server.CreateTokenAsync(userId, ["api"]);
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
            await db.PersonalAccessTokens.Where(t => t.Id == id)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.Impersonation, true));
        }

        await Expect.BodyAsync(await server.GetAsync("/api/v4/user", token), 401, """
            {"error":"invalid_token","error_description":"Token is an impersonation token but impersonation was disabled."}
            """);
        await server.LogLineAsync(l => (string?)l["meta.auth_fail_reason"] == "impersonation_disabled");
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Blocked_users_tokens_get_403_until_unblocked(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var userId = await server.CreateUserAsync("hank");
        var (id, token) = await server.CreateTokenAsync(userId, ["api"]);

        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/users/{userId}/block", new { }), 201, "true");
        var response = await server.GetAsync("/api/v4/user", token);
        await Expect.StatusAsync(response, 403);
        Assert.StartsWith("403 Forbidden - Your account has been blocked.", (string?)(await TestServer.Json(response))["message"], StringComparison.Ordinal);
        var line = await server.LogLineAsync(l => (string?)l["meta.auth_fail_reason"] == "user_blocked");
        Assert.Equal($"PersonalAccessToken/{id}", (string?)line["meta.auth_fail_token_id"]);

        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/users/{userId}/unblock", new { }), 201, "true");
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", token), 200);
    }

    [Theory]
    [InlineData("ban", "unban", "user_banned", "blocked")]
    [InlineData("deactivate", "activate", "user_deactivated", "deactivated")]
    public async Task Banned_and_deactivated_users_tokens_fail_with_their_own_reason(string action, string undo, string reason, string message)
    {
        await using var server = await TestServer.StartAsync();
        var userId = await server.CreateUserAsync("state-" + action);
        var (_, token) = await server.CreateTokenAsync(userId, ["api"]);
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/users/{userId}/{action}", new { }), 201, "true");
        var response = await server.GetAsync("/api/v4/user", token);
        await Expect.StatusAsync(response, 403);
        Assert.Contains(message, (string?)(await TestServer.Json(response))["message"], StringComparison.Ordinal);
        await server.LogLineAsync(l => (string?)l["meta.auth_fail_reason"] == reason);
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/users/{userId}/{undo}", new { }), 201, "true");
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", token), 200);
    }

    [Fact]
    public async Task Non_admins_get_403_on_admin_endpoints()
    {
        await using var server = await TestServer.StartAsync();
        var userId = await server.CreateUserAsync("ivan");
        var (_, token) = await server.CreateTokenAsync(userId, ["api"]);
        await Expect.BodyAsync(await server.PostJsonAsync("/api/v4/users", new { username = "x", email = "x@example.com", name = "x" }, token), 403, """{"message":"403 Forbidden"}""");
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/users/{userId}/personal_access_tokens", new { name = "x", scopes = new[] { "api" } }, token), 403, """{"message":"403 Forbidden"}""");
        await Expect.BodyAsync(await server.PostJsonAsync("/api/v4/users/1/block", new { }, token), 403, """{"message":"403 Forbidden"}""");
        await Expect.BodyAsync(await server.PostJsonAsync("/api/v4/users/1/unblock", new { }, token), 403, """{"message":"403 Forbidden"}""");
    }

    [Fact]
    public async Task Last_used_at_is_written_at_most_every_ten_minutes_and_ips_are_kept()
    {
        await using var server = await TestServer.StartAsync();
        var userId = await server.CreateUserAsync("judy");
        var (id, token) = await server.CreateTokenAsync(userId, ["api"]);

        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", token), 200);
        var first = await TestServer.Json(await server.GetAsync("/api/v4/personal_access_tokens/self", token));
        Assert.Equal("2026-06-01T10:00:00.000Z", (string?)first["last_used_at"]);
        Assert.Equal("127.0.0.1", (string?)first["last_used_ips"]![0]);

        server.Clock.Advance(TimeSpan.FromMinutes(9));
        var within = await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens/{id}", token));
        Assert.Equal("2026-06-01T10:00:00.000Z", (string?)within["last_used_at"]);

        server.Clock.Advance(TimeSpan.FromMinutes(1));
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", token), 200);
        var after = await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens/{id}", token));
        Assert.Equal("2026-06-01T10:10:00.000Z", (string?)after["last_used_at"]);
    }

    [Fact]
    public async Task Anonymous_callers_see_public_user_fields_only()
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.GetAsync("/api/v4/users/1", token: null);
        await Expect.StatusAsync(response, 200);
        var json = await TestServer.Json(response);
        Assert.Equal("root", (string?)json["username"]);
        Assert.Null(json["email"]);
        Assert.Null(json["is_admin"]);
    }

    [Fact]
    public async Task An_invalid_token_on_a_public_endpoint_is_still_401()
    {
        await using var server = await TestServer.StartAsync();
        await Expect.StatusAsync(await server.GetAsync("/api/v4/users/1", "wrong-token-wrong-token-wrong"), 401);
    }
}
