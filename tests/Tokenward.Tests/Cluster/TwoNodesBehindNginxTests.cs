using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Tokenward.Tests.Cli;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Cluster;

/// <summary>
/// The deployment docs/operations.md describes, for real: two <c>tokenward serve</c> processes on
/// one PostgreSQL and one Redis, behind Debian's nginx balancing them round-robin on loopback.
/// </summary>
public sealed class TwoNodesBehindNginxTests : TempDir
{
    private const int Threshold = 30;

    [Fact]
    public async Task Two_nodes_behind_nginx_share_bans_and_revocations_and_one_stopped_under_load_loses_no_request()
    {
        var database = PostgresServer.Instance.CreateDatabase();
        await using var redis = await RedisServer.StartAsync();
        var secret = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray());
        Dictionary<string, string> Env() => new()
        {
            ["TOKENWARD_DATABASE"] = database,
            ["TOKENWARD_SECRET"] = secret,
            ["TOKENWARD_REDIS_URL"] = redis.Url,
            ["TOKENWARD_TRUSTED_PROXIES"] = "127.0.0.1",
            ["TOKENWARD_AUTH_BAN_MAX_FAILURES"] = Threshold.ToString(CultureInfo.InvariantCulture),
            ["TOKENWARD_AUTH_BAN_ALLOWLIST"] = "192.0.2.1",
            // Only a message from the other node can make a node forget a token this soon.
            ["TOKENWARD_AUTH_CACHE_SECONDS"] = "300",
            ["TOKENWARD_INITIAL_ROOT_TOKEN"] = TestServer.RootToken,
        };
        await using var a = await StartNodeAsync(Env(), "a");
        await using var b = await StartNodeAsync(Env(), "b");
        await using var nginx = await NginxServer.StartAsync([a.Url, b.Url]);
        using var lb = new HttpClient { BaseAddress = nginx.Url };
        lb.DefaultRequestHeaders.Add("PRIVATE-TOKEN", TestServer.RootToken);

        // A token revoked through node A is refused by node B, which had it cached.
        var created = await TestServer.Json(await lb.PostAsJsonAsync("/api/v4/users/1/personal_access_tokens", new { name = "ci", scopes = new[] { "api" }, expires_at = DateTime.UtcNow.AddDays(30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) }));
        var (id, token) = ((long)created["id"]!, (string)created["token"]!);
        using var direct = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await direct.SendAsync(Get(new Uri(b.Url, "/api/v4/user"), token))).StatusCode);
        var revoke = new HttpRequestMessage(HttpMethod.Delete, new Uri(a.Url, $"/api/v4/personal_access_tokens/{id}")) { Headers = { { "PRIVATE-TOKEN", TestServer.RootToken } } };
        Assert.Equal(HttpStatusCode.NoContent, (await direct.SendAsync(revoke)).StatusCode);
        var watch = Stopwatch.StartNew();
        while ((await direct.SendAsync(Get(new Uri(b.Url, "/api/v4/user"), token))).StatusCode != HttpStatusCode.Unauthorized)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "node B still takes the token revoked on node A");
            await Task.Delay(5);
        }

        // A flood from one address, spread by nginx over both nodes, is banned at the threshold.
        using (var attacker = From("127.0.0.2", nginx.Url))
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, 100).Select(async _ =>
                (int)(await attacker.SendAsync(Get(new Uri(nginx.Url, "/api/v4/user"), "not-a-valid-token-at-all-000"))).StatusCode));
            Assert.Equal(Threshold, answers.Count(s => s == 401));
            Assert.Equal(100 - Threshold, answers.Count(s => s == 403));
        }

        var flood = (await nginx.AccessLogAsync()).Where(l => l.EndsWith(" GET /api/v4/user", StringComparison.Ordinal) && l.Contains(" 40", StringComparison.Ordinal)).ToList();
        Assert.Contains(flood, l => l.StartsWith(Address(a.Url), StringComparison.Ordinal));
        Assert.Contains(flood, l => l.StartsWith(Address(b.Url), StringComparison.Ordinal));
        var bans = (await TestServer.Json(await lb.GetAsync(new Uri("/api/v4/admin/auth_bans", UriKind.Relative)))).AsArray();
        Assert.Equal("127.0.0.2", (string?)Assert.Single(bans)!["ip"]);

        // Node A stopped (SIGTERM) under load: nginx sends the rest to node B, no request fails,
        // and node A's api_json.log has a line for every request it answered.
        using var cancel = new CancellationTokenSource();
        var statuses = new System.Collections.Concurrent.ConcurrentBag<int>();
        var load = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!cancel.IsCancellationRequested)
            {
                using var response = await lb.GetAsync(new Uri("/api/v4/user", UriKind.Relative), CancellationToken.None);
                statuses.Add((int)response.StatusCode);
            }
        })).ToArray();
        await Task.Delay(1500);
        await a.StopAsync();
        Assert.Equal(0, a.ExitCode);
        var afterStop = statuses.Count;
        await Task.Delay(1500);
        await cancel.CancelAsync();
        await Task.WhenAll(load);
        Assert.True(statuses.Count > afterStop, "the load went on after node A stopped");
        Assert.All(statuses, s => Assert.Equal(200, s));

        var answeredByA = (await nginx.AccessLogAsync()).Count(l => l == $"{Address(a.Url)} 200 GET /api/v4/user");
        var loggedByA = File.ReadLines(Path.Combine(Dir, "a", "log", "api_json.log"))
            .Select(l => JsonNode.Parse(l)!)
            .Count(l => (string?)l["path"] == "/api/v4/user" && (int?)l["status"] == 200 && (string?)l["remote_ip"] == "127.0.0.1");
        // (The direct checks above went to node B, so every such line of A's came through nginx.)
        Assert.True(answeredByA > 0, "node A answered part of the load before it stopped");
        Assert.Equal(answeredByA, loggedByA);
    }

    private async Task<ServeProcess> StartNodeAsync(Dictionary<string, string> env, string name)
    {
        var port = Ports.Free();
        var url = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        return await ServeProcess.StartAsync(env, ["serve", "--urls", url.ToString(), "--data-dir", Path.Combine(Dir, name)], url);
    }

    private static string Address(Uri url) => $"{url.Host}:{url.Port.ToString(CultureInfo.InvariantCulture)}";

    private static HttpRequestMessage Get(Uri url, string token) => new(HttpMethod.Get, url) { Headers = { { "PRIVATE-TOKEN", token } } };

    /// <summary>A client whose connections come from another loopback address, so nginx sees another client.</summary>
    private static HttpClient From(string localAddress, Uri baseAddress) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = baseAddress };
}
