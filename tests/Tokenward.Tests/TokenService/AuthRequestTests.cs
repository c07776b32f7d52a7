using System.Net;
using System.Text.Json.Nodes;
using Tokenward.AuthBans;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.TokenService;

/// <summary><c>/-/auth</c> as a proxy calls it: the forwarded request's token, an optional required scope, GitLab's refusals, the ban of the original client.</summary>
public sealed class AuthRequestTests
{
    private static HttpRequestMessage Check(string path, string? token = null, string? header = "PRIVATE-TOKEN")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation(header!, header == "Authorization" ? "Bearer " + token : token);
        }

        return request;
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_valid_token_is_answered_200_with_who_it_is_and_no_log_line(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (id, token) = await server.CreateTokenAsync(alice, ["read_api", "read_user"]);
        foreach (var request in new[]
        {
            Check("/-/auth", token),
            Check("/-/auth", token, "Authorization"),
            Check("/-/auth?scope=read_api").WithHeader("X-Original-URI", $"/service/items?page=2&private_token={token}"),
            Check("/-/auth").WithHeader("X-Forwarded-Uri", $"/service?private_token={token}"),
        })
        {
            using var response = await server.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("alice", response.Headers.GetValues("X-Tokenward-User").Single());
            Assert.Equal(alice.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("X-Tokenward-User-Id").Single());
            Assert.Equal(id.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("X-Tokenward-Token-Id").Single());
            Assert.Equal("read_api read_user", response.Headers.GetValues("X-Tokenward-Scopes").Single());
        }

        // Envoy's ext_authz puts the original path after its prefix.
        using (var envoy = await server.Client.SendAsync(Check("/-/auth/api/v4/projects?page=2", token)))
        {
            Assert.Equal(HttpStatusCode.OK, envoy.StatusCode);
        }

        // Without ?scope=, GitLab's default for a read (api or read_api): a registry token does not pass.
        var (_, registry) = await server.CreateTokenAsync(alice, ["read_registry"], name: "registry");
        using (var narrow = await server.Client.SendAsync(Check("/-/auth", registry)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, narrow.StatusCode);
        }

        // What GitLab's endpoints accept for read_api: api too.
        var (_, api) = await server.CreateTokenAsync(alice, ["api"], name: "api");
        using (var wider = await server.Client.SendAsync(Check("/-/auth?scope=read_api", api)))
        {
            Assert.Equal(HttpStatusCode.OK, wider.StatusCode);
        }

        // Refusals are logged; the successes were not.
        using var _ = await server.Client.SendAsync(Check("/-/auth"));
        await server.LogLineAsync(l => (string?)l["path"] == "/-/auth" && (int?)l["status"] == 401);
        Assert.DoesNotContain(server.ReadLogLines(), l => ((string?)l["path"])?.StartsWith("/-/auth", StringComparison.Ordinal) == true && (int?)l["status"] == 200);
        Assert.Equal(2, server.ReadLogLines().Count(l => (string?)l["path"] == "/-/auth"));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Refusals_are_gitlabs_with_their_reason_in_api_json_log(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (_, readApi) = await server.CreateTokenAsync(alice, ["read_api"]);
        var (_, expired) = await server.CreateTokenAsync(alice, ["api"], expiresAt: "2026-06-03", name: "soon");
        var (revokedId, revoked) = await server.CreateTokenAsync(alice, ["api"], name: "revoked");
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/personal_access_tokens/{revokedId}"), 204);
        server.Clock.Advance(TimeSpan.FromDays(3));

        async Task<(int Status, JsonNode Body, JsonObject Line)> RefusedAsync(HttpRequestMessage request, string marker)
        {
            request.Headers.Add("X-Request-Id", marker);
            using var response = await server.Client.SendAsync(request);
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            return ((int)response.StatusCode, body, await server.LogLineAsync(l => (string?)l["correlation_id"] == marker));
        }

        var none = await RefusedAsync(Check("/-/auth"), "none");
        Assert.Equal((401, "401 Unauthorized"), (none.Status, (string?)none.Body["message"]));

        var unknown = await RefusedAsync(Check("/-/auth", "glpat-not-a-token-of-ours-at-all"), "unknown");
        Assert.Equal(401, unknown.Status);
        Assert.Equal("unknown", (string?)unknown.Line["meta.auth_fail_token_type"]);

        var exp = await RefusedAsync(Check("/-/auth", expired), "expired");
        Assert.Equal((401, "invalid_token", "token_expired"), (exp.Status, (string?)exp.Body["error"], (string?)exp.Line["meta.auth_fail_reason"]));

        var rev = await RefusedAsync(Check("/-/auth", revoked), "revoked");
        Assert.Equal((401, "token_revoked", $"PersonalAccessToken/{revokedId}"), (rev.Status, (string?)rev.Line["meta.auth_fail_reason"], (string?)rev.Line["meta.auth_fail_token_id"]));

        var scope = await RefusedAsync(Check("/-/auth?scope=api", readApi), "scope");
        Assert.Equal((403, "insufficient_scope", "api"), (scope.Status, (string?)scope.Body["error"], (string?)scope.Body["scope"]));
        Assert.Equal(("insufficient_scope", "api"), ((string?)scope.Line["meta.auth_fail_reason"], (string?)scope.Line["meta.auth_fail_requested_scopes"]));

        var bogus = await RefusedAsync(Check("/-/auth?scope=everything", readApi), "bogus");
        Assert.Equal((400, "scope does not have a valid value"), (bogus.Status, (string?)bogus.Body["error"]));
    }

    [Fact]
    public async Task Failures_count_towards_the_ban_of_the_original_client_and_sudo_is_not_honoured()
    {
        await using var server = await TestServer.StartAsync(configure: s => s with
        {
            BanPolicy = new BanPolicy { MaxFailures = 3, Allowlist = [] },
            TrustedProxies = BanPolicy.ParseNetworks("127.0.0.1"),
        });
        var alice = await server.CreateUserAsync("alice");
        await server.PostJsonAsync("/api/v4/users/" + alice + "/personal_access_tokens", new { name = "sudo", scopes = new[] { "api", "sudo" } });
        var (_, rootSudo) = await server.CreateTokenAsync(1, ["api", "sudo"], name: "root sudo");

        // The proxy's own address is never banned: the client's, from X-Forwarded-For, is.
        var answers = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await server.Client.SendAsync(Check("/-/auth", "glpat-wrong-wrong-wrong-wrong").WithHeader("X-Forwarded-For", "198.51.100.7"));
            answers.Add((int)response.StatusCode);
        }

        Assert.Equal([401, 401, 401, 403, 403], answers);
        using (var other = await server.Client.SendAsync(Check("/-/auth", rootSudo).WithHeader("X-Forwarded-For", "198.51.100.8").WithHeader("Sudo", "alice")))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
            Assert.Equal("root", other.Headers.GetValues("X-Tokenward-User").Single());
        }

        using var banned = await server.Client.SendAsync(Check("/-/auth", rootSudo).WithHeader("X-Forwarded-For", "198.51.100.7"));
        Assert.Equal(HttpStatusCode.Forbidden, banned.StatusCode);
    }
}
