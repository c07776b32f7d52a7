using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;
using static Tokenward.Tests.Http.GroupsAndProjectsApiTests;

namespace Tokenward.Tests.TokenService;

/// <summary><c>POST /oauth/introspect</c> (RFC 7662) as a service calls it.</summary>
public sealed class IntrospectionTests
{
    private static async Task<(int Status, JsonObject Body)> IntrospectAsync(TestServer server, string? caller, string token, bool basic = false, string marker = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/introspect") { Content = new FormUrlEncodedContent([new("token", token)]) };
        if (caller is not null)
        {
            request.Headers.Authorization = basic
                ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("service:" + caller)))
                : new AuthenticationHeaderValue("Bearer", caller);
        }

        if (marker.Length > 0)
        {
            request.Headers.Add("X-Request-Id", marker);
        }

        using var response = await server.Client.SendAsync(request);
        return ((int)response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task An_active_token_is_described_and_anything_else_is_only_inactive_with_its_reason_logged(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var service = await server.CreateUserAsync("service");
        var (_, introspector) = await server.CreateTokenAsync(service, ["introspect"]);
        var alice = await server.CreateUserAsync("alice");
        var (aliceId, aliceToken) = await server.CreateTokenAsync(alice, ["read_api", "read_user"], expiresAt: "2026-09-01");
        var (_, expiring) = await server.CreateTokenAsync(alice, ["api"], expiresAt: "2026-06-02", name: "soon");
        var (revokedId, revoked) = await server.CreateTokenAsync(alice, ["api"], name: "revoked");
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/personal_access_tokens/{revokedId}"), 204);
        var project = await CreateProjectAsync(server, "svc");
        var projectToken = await TestServer.Json(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "ci", scopes = new[] { "read_api" }, expires_at = "2026-07-01" }));

        var (status, active) = await IntrospectAsync(server, introspector, aliceToken);
        Assert.Equal(200, status);
        Assert.True((bool)active["active"]!);
        Assert.Equal("read_api read_user", (string?)active["scope"]);
        Assert.Equal(("alice", alice.ToString(System.Globalization.CultureInfo.InvariantCulture), alice, aliceId), ((string?)active["username"], (string?)active["sub"], (long)active["user_id"]!, (long)active["token_id"]!));
        Assert.Equal(("Bearer", "personal_access_token"), ((string?)active["token_type"], (string?)active["kind"]));
        Assert.Equal(new DateTimeOffset(2026, 9, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), (long)active["exp"]!);
        Assert.Equal(TestServer.Start.ToUnixTimeSeconds(), (long)active["iat"]!);

        // Through HTTP Basic (RFC 7662's client authentication), the token as the password.
        var (_, resource) = await IntrospectAsync(server, introspector, (string)projectToken["token"]!, basic: true);
        Assert.Equal(("project_access_token", project), ((string?)resource["kind"], (long)resource["project_id"]!));
        Assert.Null(resource["group_id"]);

        server.Clock.Advance(TimeSpan.FromDays(1));
        foreach (var (value, reason) in new[] { (expiring, "token_expired"), (revoked, "token_revoked"), ("glpat-never-issued-by-us-000000000000000000", "token_unknown") })
        {
            var (inactiveStatus, inactive) = await IntrospectAsync(server, introspector, value, marker: reason);
            Assert.Equal(200, inactiveStatus);
            Assert.Equal("""{"active":false}""", inactive.ToJsonString());
            Assert.Equal(reason, (string?)(await server.LogLineAsync(l => (string?)l["correlation_id"] == reason))["meta.auth_fail_reason"]);
        }

        // Blocked owner: inactive too.
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/users/{alice}/block", new { }), 201);
        Assert.False((bool)(await IntrospectAsync(server, introspector, aliceToken)).Body["active"]!);
    }

    [Fact]
    public async Task The_caller_needs_a_token_with_the_introspect_scope_and_the_token_parameter()
    {
        await using var server = await TestServer.StartAsync();
        var alice = await server.CreateUserAsync("alice");
        var (_, api) = await server.CreateTokenAsync(alice, ["api"]);
        var (_, introspector) = await server.CreateTokenAsync(alice, ["introspect"], name: "introspector");

        Assert.Equal(401, (await IntrospectAsync(server, null, api)).Status);
        Assert.Equal(401, (await IntrospectAsync(server, "glpat-wrong-caller-token-000000000000000000", api, basic: true)).Status);
        var (status, body) = await IntrospectAsync(server, api, introspector);
        Assert.Equal((403, "insufficient_scope", "introspect"), (status, (string?)body["error"], (string?)body["scope"]));

        // Only an administrator gives these scopes: a project's Maintainers cannot mint a checker.
        var project = await CreateProjectAsync(server, "svc");
        using (var resource = await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "checker", scopes = new[] { "introspect" }, expires_at = "2026-07-01" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, resource.StatusCode);
        }

        Assert.DoesNotContain("introspect", Tokenward.Web.ScopeDescriptions.Offered(admin: false));
        Assert.DoesNotContain("report_leaks", Tokenward.Web.ScopeDescriptions.Offered(admin: false));

        using var missing = new HttpRequestMessage(HttpMethod.Post, "/oauth/introspect") { Content = new FormUrlEncodedContent([]) };
        missing.Headers.Authorization = new AuthenticationHeaderValue("Bearer", introspector);
        using var response = await server.Client.SendAsync(missing);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("token is missing", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]);
    }
}
