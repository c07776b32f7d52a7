using System.Collections.Concurrent;
using System.Net;
using Tokenward.AuthBans;
using Tokenward.Hosting;
using Tokenward.Tests.Cli;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Http;

public class AuthBanTests
{
    private const string BadToken = "not-a-valid-token-at-all-000";

    private static Func<TokenwardSettings, TokenwardSettings> Policy(int maxFailures, bool trustLoopbackProxy = false, string allowlist = "") => s => s with
    {
        BanPolicy = new BanPolicy { MaxFailures = maxFailures, Allowlist = BanPolicy.ParseNetworks(allowlist) },
        TrustedProxies = trustLoopbackProxy ? BanPolicy.ParseNetworks("127.0.0.1") : [],
    };

    private static HttpRequestMessage From(string ip, string path, string? token) =>
        TestServer.Request(HttpMethod.Get, path, token).WithHeader("X-Forwarded-For", ip);

    [Fact]
    public async Task Past_the_threshold_an_address_gets_403_on_every_request_until_the_ban_ends()
    {
        await using var server = await TestServer.StartAsync(configure: Policy(5));
        for (var i = 0; i < 5; i++)
        {
            // The fifth failure crosses the threshold and is still answered as usual.
            await Expect.StatusAsync(await server.GetAsync("/api/v4/user", BadToken), 401);
        }

        var banned = await server.GetAsync("/api/v4/user", BadToken);
        await Expect.StatusAsync(banned, 403);
        Assert.Equal("text/plain", banned.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Too many failed authentication attempts from this IP", await banned.Content.ReadAsStringAsync());
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user"), 403);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/users/1", token: null), 403);

        var line = await server.LogLineAsync(l => (string?)l["meta.auth_fail_reason"] == "ip_banned");
        Assert.Equal(403, (int?)line["status"]);
        Assert.Contains(server.ServerLog.Entries, e => e.Contains("Banned 127.0.0.1", StringComparison.Ordinal));

        server.Clock.Advance(TimeSpan.FromMinutes(15));
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user"), 200);
        Assert.Contains(server.ServerLog.Entries, e => e.Contains("Ban on 127.0.0.1 ended: expired", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Failures_outside_the_window_or_before_a_success_do_not_count()
    {
        await using var server = await TestServer.StartAsync(configure: Policy(3));
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", BadToken), 401);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", BadToken), 401);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user"), 200); // forgives the two
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", BadToken), 401);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", BadToken), 401);
        server.Clock.Advance(TimeSpan.FromSeconds(61)); // both leave the window
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", BadToken), 401);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", BadToken), 401);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user"), 200);
    }

    [Fact]
    public async Task Allowlisted_addresses_and_a_disabled_ban_never_ban()
    {
        await using (var server = await TestServer.StartAsync(configure: Policy(2, allowlist: "127.0.0.0/8")))
        {
            for (var i = 0; i < 5; i++)
            {
                await Expect.StatusAsync(await server.GetAsync("/api/v4/user", BadToken), 401);
            }
        }

        await using var off = await TestServer.StartAsync(configure: s => Policy(2)(s) with { BanPolicy = new BanPolicy { Enabled = false, MaxFailures = 2, Allowlist = [] } });
        for (var i = 0; i < 5; i++)
        {
            await Expect.StatusAsync(await off.GetAsync("/api/v4/user", BadToken), 401);
        }
    }

    [Fact]
    public async Task X_forwarded_for_counts_only_from_trusted_proxies()
    {
        await using (var untrusted = await TestServer.StartAsync(configure: Policy(3)))
        {
            // Each request claims another address, but the proxy is not trusted: all count against 127.0.0.1.
            for (var i = 0; i < 3; i++)
            {
                await Expect.StatusAsync(await untrusted.Client.SendAsync(From($"198.51.100.{i}", "/api/v4/user", BadToken)), 401);
            }

            await Expect.StatusAsync(await untrusted.Client.SendAsync(From("198.51.100.9", "/api/v4/user", TestServer.RootToken)), 403);
        }

        await using var trusted = await TestServer.StartAsync(configure: Policy(3, trustLoopbackProxy: true));
        for (var i = 0; i < 3; i++)
        {
            await Expect.StatusAsync(await trusted.Client.SendAsync(From("198.51.100.1", "/api/v4/user", BadToken)), 401);
        }

        await Expect.StatusAsync(await trusted.Client.SendAsync(From("198.51.100.1", "/api/v4/user", TestServer.RootToken)), 403);
        await Expect.StatusAsync(await trusted.Client.SendAsync(From("198.51.100.2", "/api/v4/user", TestServer.RootToken)), 200);
        var line = await trusted.LogLineAsync(l => (string?)l["meta.auth_fail_reason"] == "ip_banned");
        Assert.Equal("198.51.100.1", (string?)line["remote_ip"]);
    }

    [Fact]
    public async Task Admins_list_and_lift_bans_through_the_api()
    {
        await using var server = await TestServer.StartAsync(configure: Policy(2, trustLoopbackProxy: true));
        var alice = await server.CreateUserAsync("alice");
        var (_, aliceToken) = await server.CreateTokenAsync(alice, ["api"]);
        for (var i = 0; i < 2; i++)
        {
            await server.Client.SendAsync(From("203.0.113.5", "/api/v4/user", BadToken));
        }

        var list = await TestServer.Json(await server.GetAsync("/api/v4/admin/auth_bans"));
        var ban = Assert.Single(list.AsArray())!;
        Assert.Equal("203.0.113.5", (string?)ban["ip"]);
        Assert.Equal(2, (int)ban["failures"]!);
        Assert.Equal("2026-06-01T10:15:00.000Z", (string?)ban["expires_at"]);

        await Expect.StatusAsync(await server.GetAsync("/api/v4/admin/auth_bans", aliceToken), 403);
        await Expect.StatusAsync(await server.DeleteAsync("/api/v4/admin/auth_bans/203.0.113.5", aliceToken), 403);
        await Expect.BodyAsync(await server.DeleteAsync("/api/v4/admin/auth_bans/not-an-ip"), 400, """{"error":"ip is invalid"}""");
        await Expect.BodyAsync(await server.DeleteAsync("/api/v4/admin/auth_bans/203.0.113.99"), 404, """{"message":"404 Ban Not Found"}""");

        await Expect.StatusAsync(await server.DeleteAsync("/api/v4/admin/auth_bans/203.0.113.5"), 204);
        await Expect.StatusAsync(await server.Client.SendAsync(From("203.0.113.5", "/api/v4/user", TestServer.RootToken)), 200);
        Assert.Empty((await TestServer.Json(await server.GetAsync("/api/v4/admin/auth_bans"))).AsArray());
        Assert.Contains(server.ServerLog.Entries, e => e.Contains("Banned 203.0.113.5", StringComparison.Ordinal));
        Assert.Contains(server.ServerLog.Entries, e => e.Contains("Ban on 203.0.113.5 ended: lifted by an administrator", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_cli_lists_and_lifts_bans_of_a_running_server()
    {
        await using var server = await TestServer.StartAsync(configure: Policy(1, trustLoopbackProxy: true));
        await server.Client.SendAsync(From("192.0.2.44", "/api/v4/user", BadToken));
        var env = new Dictionary<string, string> { ["TOKENWARD_URL"] = server.BaseAddress.ToString(), ["TOKENWARD_TOKEN"] = TestServer.RootToken };

        var list = await TokenwardProcess.RunAsync(env, "bans", "list");
        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Contains("192.0.2.44", list.Stdout, StringComparison.Ordinal);
        var json = await TokenwardProcess.RunAsync(env, "bans", "list", "--format", "json");
        Assert.Equal("192.0.2.44", (string?)System.Text.Json.Nodes.JsonNode.Parse(json.Stdout)![0]!["ip"]);

        var lift = await TokenwardProcess.RunAsync(env, "bans", "lift", "192.0.2.44");
        Assert.True(lift.ExitCode == 0, lift.Stderr);
        Assert.Contains("No address is banned", (await TokenwardProcess.RunAsync(env, "bans", "list")).Stdout, StringComparison.Ordinal);

        var again = await TokenwardProcess.RunAsync(env, "bans", "lift", "192.0.2.44");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("404", again.Stderr, StringComparison.Ordinal);
        var noToken = await TokenwardProcess.RunAsync(new Dictionary<string, string> { ["TOKENWARD_URL"] = server.BaseAddress.ToString() }, "bans", "list");
        Assert.Equal(1, noToken.ExitCode);
        Assert.Contains("administrator's token is needed", noToken.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_flood_from_several_addresses_bans_exactly_those_while_good_tokens_keep_working()
    {
        const int Threshold = 50;
        const int PerAddress = 80;
        string[] attackers = ["198.51.100.10", "198.51.100.11", "198.51.100.12", "198.51.100.13"];
        await using var server = await TestServer.StartAsync(configure: Policy(Threshold, trustLoopbackProxy: true));
        var alice = await server.CreateUserAsync("alice");
        var (_, good) = await server.CreateTokenAsync(alice, ["api"]);

        var answers = new ConcurrentBag<(string Ip, HttpStatusCode Status)>();
        var work = attackers.SelectMany(ip => Enumerable.Repeat((ip, BadToken), PerAddress))
            .Concat(Enumerable.Repeat(("203.0.113.200", good), 100))
            .OrderBy(_ => Random.Shared.Next())
            .ToList();
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = 24 }, async (item, ct) =>
        {
            using var response = await server.Client.SendAsync(From(item.Item1, "/api/v4/user", item.Item2), ct);
            answers.Add((item.Item1, response.StatusCode));
        });

        foreach (var ip in attackers)
        {
            Assert.Equal(Threshold, answers.Count(a => a.Ip == ip && a.Status == HttpStatusCode.Unauthorized));
            Assert.Equal(PerAddress - Threshold, answers.Count(a => a.Ip == ip && a.Status == HttpStatusCode.Forbidden));
        }

        Assert.All(answers.Where(a => a.Ip == "203.0.113.200"), a => Assert.Equal(HttpStatusCode.OK, a.Status));
        var bans = await TestServer.Json(await server.GetAsync("/api/v4/admin/auth_bans"));
        Assert.Equal(attackers.Order(), bans.AsArray().Select(b => (string)b!["ip"]!).Order());
        Assert.All(bans.AsArray(), b => Assert.Equal(Threshold, (int)b!["failures"]!));
    }

    [Fact]
    public async Task Paths_outside_the_api_do_not_authenticate_so_a_bad_token_there_neither_fails_nor_counts()
    {
        await using var server = await TestServer.StartAsync(configure: Policy(2));
        for (var i = 0; i < 5; i++)
        {
            var health = await server.GetAsync("/-/health", BadToken);
            await Expect.StatusAsync(health, 200);
        }

        // Had those counted, this address would be banned now.
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user"), 200);

        // Refusals go to api_json.log with their reason, not to the service log as well.
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", BadToken), 401);
        Assert.DoesNotContain(server.ServerLog.Entries, e => e.Contains("not authenticated", StringComparison.Ordinal));
    }
}
