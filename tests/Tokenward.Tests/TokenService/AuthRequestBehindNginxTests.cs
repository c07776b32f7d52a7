using System.Net;
using Tokenward.AuthBans;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.TokenService;

/// <summary>Debian's nginx guarding a small upstream with <c>auth_request</c> to Tokenward's <c>/-/auth</c>, on loopback.</summary>
public sealed class AuthRequestBehindNginxTests
{
    [Fact]
    public async Task Nginx_passes_only_valid_tokens_with_enough_scope_hands_the_identity_upstream_and_the_ban_reaches_through_it()
    {
        await using var server = await TestServer.StartAsync(configure: s => s with
        {
            BanPolicy = new BanPolicy { MaxFailures = 3, Allowlist = [] },
            TrustedProxies = BanPolicy.ParseNetworks("127.0.0.1"),
        });
        var alice = await server.CreateUserAsync("alice");
        var (readId, readApi) = await server.CreateTokenAsync(alice, ["read_api"]);
        var (_, api) = await server.CreateTokenAsync(alice, ["api"], name: "writer");
        var (_, expiring) = await server.CreateTokenAsync(alice, ["api"], expiresAt: "2026-06-02", name: "soon");
        var (revokedId, revoked) = await server.CreateTokenAsync(alice, ["api"], name: "revoked");
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/personal_access_tokens/{revokedId}"), 204);
        server.Clock.Advance(TimeSpan.FromDays(1));
        await using var nginx = await NginxServer.StartAuthRequestAsync(server.BaseAddress);
        using var client = new HttpClient { BaseAddress = nginx.Url };

        async Task<(HttpStatusCode Status, string Body)> GetAsync(string path, string? token, string from = "198.51.100.1")
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("X-Forwarded-For", from);
            if (token is not null)
            {
                request.Headers.Add("PRIVATE-TOKEN", token);
            }

            using var response = await client.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("/items", null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("/items", expiring)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("/items", revoked, from: "198.51.100.2")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync("/write/items", readApi, from: "198.51.100.3")).Status);

        var (status, body) = await GetAsync("/items?page=2", readApi, from: "198.51.100.3");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal($"user=alice user_id={alice} token_id={readId} scopes=read_api uri=/items?page=2\n", body);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/write/items", api, from: "198.51.100.3")).Status);
        // The token in the query string of the original request, read from X-Original-URI.
        Assert.Equal(HttpStatusCode.OK, (await GetAsync($"/items?private_token={readApi}", null, from: "198.51.100.3")).Status);

        // Tokenward logged the refusals with their reason and the client's address, not nginx's.
        var line = await server.LogLineAsync(l => (string?)l["meta.auth_fail_reason"] == "token_revoked");
        Assert.Equal(("/-/auth", "198.51.100.2"), ((string?)line["path"], (string?)line["remote_ip"]));

        // Three failures from one client ban it, at Tokenward, even with a good token; its neighbour is served.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("/items", "glpat-guess-guess-guess-guess", from: "203.0.113.5")).Status);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync("/items", readApi, from: "203.0.113.5")).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/items", readApi, from: "203.0.113.6")).Status);
    }
}
