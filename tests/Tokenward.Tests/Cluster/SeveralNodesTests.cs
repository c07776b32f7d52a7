using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.AuthBans;
using Tokenward.Hosting;
using Tokenward.Notifications;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Cluster;

/// <summary>
/// Two nodes (two real servers) on one PostgreSQL, with and without one Redis: bans shared and
/// lifted anywhere, token changes reaching the other node's cache at once, Redis going away and
/// coming back, background work done once.
/// </summary>
public sealed class SeveralNodesTests
{
    private const string BadToken = "not-a-valid-token-at-all-000";
    private const string Attacker = "203.0.113.9";

    private static Func<TokenwardSettings, TokenwardSettings> Node(DatabaseTarget database, string secret, RedisServer? redis, int maxFailures = 1000) => s => s with
    {
        Database = database,
        Secret = secret,
        Redis = redis?.Target,
        // Long enough that only a message can explain a node forgetting a token in time.
        AuthCacheSeconds = 300,
        BanPolicy = new BanPolicy { MaxFailures = maxFailures, Allowlist = [] },
        TrustedProxies = BanPolicy.ParseNetworks("127.0.0.1"),
    };

    private static async Task<(TestServer A, TestServer B)> TwoNodesAsync(RedisServer? redis, int maxFailures = 1000, string connectionOptions = "")
    {
        var database = new DatabaseTarget(DatabaseEngine.Postgres, PostgresServer.Instance.CreateDatabase() + connectionOptions);
        var a = await TestServer.StartAsync(DatabaseEngine.Postgres, s => Node(database, Convert.ToBase64String(new byte[32].Select((_, i) => (byte)i).ToArray()), redis, maxFailures)(s));
        try
        {
            var b = await TestServer.StartAsync(DatabaseEngine.Postgres, Node(database, a.SecretValue, redis, maxFailures));
            await WaitUntilAsync(() => Task.FromResult(Listening(a) && Listening(b)), "both nodes listen to each other");
            return (a, b);
        }
        catch
        {
            await a.DisposeAsync();
            throw;
        }
    }

    private static bool Listening(TestServer server) => server.Services.GetRequiredService<Tokenward.Cluster.NodeBus>().Listening;

    private static HttpRequestMessage From(string ip, string path, string? token) =>
        TestServer.Request(HttpMethod.Get, path, token).WithHeader("X-Forwarded-For", ip);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, double seconds = 10)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed.TotalSeconds < seconds, $"not within {seconds} s: {what}");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task A_flood_spread_over_two_nodes_is_banned_at_the_threshold_and_a_lift_on_either_lifts_it_on_both()
    {
        await using var redis = await RedisServer.StartAsync();
        var (a, b) = await TwoNodesAsync(redis, maxFailures: 20);
        await using var _a = a;
        await using var _b = b;

        // 80 bad requests at once, alternating between the nodes: exactly 20 answered, then the ban.
        var answers = await Task.WhenAll(Enumerable.Range(0, 80).Select(async i =>
        {
            using var response = await (i % 2 == 0 ? a : b).Client.SendAsync(From(Attacker, "/api/v4/user", BadToken));
            return (int)response.StatusCode;
        }));
        Assert.Equal(20, answers.Count(s => s == 401));
        Assert.Equal(60, answers.Count(s => s == 403));
        // Even a good token from there is refused on both nodes.
        using (var onA = await a.Client.SendAsync(From(Attacker, "/api/v4/user", TestServer.RootToken)))
        using (var onB = await b.Client.SendAsync(From(Attacker, "/api/v4/user", TestServer.RootToken)))
        {
            Assert.Equal(403, (int)onA.StatusCode);
            Assert.Equal(403, (int)onB.StatusCode);
        }

        // Each node lists the one ban, with its count.
        foreach (var node in new[] { a, b })
        {
            var bans = (await TestServer.Json(await node.GetAsync("/api/v4/admin/auth_bans"))).AsArray();
            var ban = Assert.Single(bans);
            Assert.Equal(Attacker, (string?)ban!["ip"]);
            Assert.Equal(20, (int?)ban["failures"]);
        }

        // Lifted through node B: node A lets the address in again too.
        await Expect.StatusAsync(await b.DeleteAsync("/api/v4/admin/auth_bans/" + Attacker), 204);
        await WaitUntilAsync(async () =>
        {
            using var response = await a.Client.SendAsync(From(Attacker, "/api/v4/user", TestServer.RootToken));
            return (int)response.StatusCode == 200;
        }, "node A lifts the ban lifted on node B");
        Assert.Empty((await TestServer.Json(await a.GetAsync("/api/v4/admin/auth_bans"))).AsArray());
        await Expect.StatusAsync(await a.DeleteAsync("/api/v4/admin/auth_bans/" + Attacker), 404);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public async Task A_revocation_a_rotation_and_a_block_on_one_node_reach_the_other_nodes_cache_at_once(bool withRedis, bool multiplexing)
    {
        // With Redis its pub/sub carries the news; without, PostgreSQL's LISTEN/NOTIFY. Npgsql's
        // multiplexing, which an operator may turn on, must leave the listener and the locks
        // their own connections (it once stopped serve at start).
        await using var redis = withRedis ? await RedisServer.StartAsync() : null;
        var (a, b) = await TwoNodesAsync(redis, connectionOptions: multiplexing ? ";Multiplexing=true" : "");
        await using var _a = a;
        await using var _b = b;
        var alice = await a.CreateUserAsync("alice");
        var (revokedId, revoked) = await a.CreateTokenAsync(alice, ["api"], name: "revoked");
        var (rotatedId, rotated) = await a.CreateTokenAsync(alice, ["api"], name: "rotated");
        var bob = await a.CreateUserAsync("bob");
        var (_, bobs) = await a.CreateTokenAsync(bob, ["api"], name: "bob's");
        foreach (var token in new[] { revoked, rotated, bobs })
        {
            // Node B now holds each token in its cache for 300 s.
            await Expect.StatusAsync(await b.GetAsync("/api/v4/user", token), 200);
        }

        await Expect.StatusAsync(await a.DeleteAsync($"/api/v4/personal_access_tokens/{revokedId}"), 204);
        await WaitUntilAsync(async () => (int)(await b.GetAsync("/api/v4/user", revoked)).StatusCode == 401, "node B refuses the token revoked on node A");

        await Expect.StatusAsync(await a.PostJsonAsync($"/api/v4/personal_access_tokens/{rotatedId}/rotate", new { }), 200);
        await WaitUntilAsync(async () => (int)(await b.GetAsync("/api/v4/user", rotated)).StatusCode == 401, "node B refuses the token rotated on node A");

        await Expect.StatusAsync(await a.PostJsonAsync($"/api/v4/users/{bob}/block", new { }), 201);
        await WaitUntilAsync(async () => (int)(await b.GetAsync("/api/v4/user", bobs)).StatusCode == 403, "node B refuses the user blocked on node A");
    }

    [Fact]
    public async Task Without_Redis_the_nodes_serve_and_count_on_their_own_readiness_says_so_and_all_is_shared_again_when_it_returns()
    {
        await using var redis = await RedisServer.StartAsync();
        var (a, b) = await TwoNodesAsync(redis, maxFailures: 5);
        await using var _a = a;
        await using var _b = b;
        var ready = await TestServer.Json(await a.GetAsync("/-/readiness?all=1", token: null));
        Assert.Equal("ok", (string?)ready["redis_check"]![0]!["status"]);

        await redis.StopAsync();
        await WaitUntilAsync(() => Task.FromResult(!a.Services.GetRequiredService<FailedAuthBans>().Shared), "node A notices Redis is gone");
        // The API keeps serving.
        await Expect.StatusAsync(await a.GetAsync("/api/v4/user"), 200);
        await Expect.StatusAsync(await b.GetAsync("/api/v4/user"), 200);
        // Readiness lists the degradation but keeps the node in.
        var degraded = await a.GetAsync("/-/readiness?all=1", token: null);
        await Expect.StatusAsync(degraded, 200);
        var check = (await TestServer.Json(degraded))["redis_check"]![0]!;
        Assert.Equal("failed", (string?)check["status"]);
        Assert.Contains("counted by each node", (string?)check["message"], StringComparison.Ordinal);

        // Each node counts on its own: five failures on A ban the address on A only.
        for (var i = 0; i < 5; i++)
        {
            using var response = await a.Client.SendAsync(From(Attacker, "/api/v4/user", BadToken));
            Assert.Equal(401, (int)response.StatusCode);
        }

        using (var banned = await a.Client.SendAsync(From(Attacker, "/api/v4/user", TestServer.RootToken)))
        using (var notBanned = await b.Client.SendAsync(From(Attacker, "/api/v4/user", TestServer.RootToken)))
        {
            Assert.Equal(403, (int)banned.StatusCode);
            Assert.Equal(200, (int)notBanned.StatusCode);
        }

        // Redis returns (empty, as after a crash): the nodes reconnect by themselves and share again.
        await redis.StartAgainAsync();
        await WaitUntilAsync(() => Task.FromResult(a.Services.GetRequiredService<FailedAuthBans>().Shared && b.Services.GetRequiredService<FailedAuthBans>().Shared),
            "both nodes reconnect to Redis", seconds: 20);
        Assert.Equal("ok", (string?)(await TestServer.Json(await b.GetAsync("/-/readiness?all=1", token: null)))["redis_check"]![0]!["status"]);
        const string other = "198.51.100.4";
        var answers = new List<int>();
        for (var i = 0; i < 8; i++)
        {
            using var response = await (i % 2 == 0 ? a : b).Client.SendAsync(From(other, "/api/v4/user", BadToken));
            answers.Add((int)response.StatusCode);
        }

        Assert.Equal([401, 401, 401, 401, 401, 403, 403, 403], answers);
    }

    [Fact]
    public async Task A_success_forgives_the_failures_counted_on_every_node()
    {
        await using var redis = await RedisServer.StartAsync();
        var (a, b) = await TwoNodesAsync(redis, maxFailures: 5);
        await using var _a = a;
        await using var _b = b;
        async Task<int> SendAsync(TestServer node, string token)
        {
            using var response = await node.Client.SendAsync(From(Attacker, "/api/v4/user", token));
            return (int)response.StatusCode;
        }

        // Four failures over both nodes, a success on one: the next four failures ban no one.
        foreach (var node in new[] { a, b, a, b })
        {
            Assert.Equal(401, await SendAsync(node, BadToken));
        }

        Assert.Equal(200, await SendAsync(b, TestServer.RootToken));
        foreach (var node in new[] { a, b, a, b })
        {
            Assert.Equal(401, await SendAsync(node, BadToken));
        }

        Assert.Equal(200, await SendAsync(a, TestServer.RootToken));
    }

    [Fact]
    public async Task A_node_started_while_Redis_is_away_serves_and_joins_when_it_comes()
    {
        await using var redis = await RedisServer.StartAsync();
        await redis.StopAsync();
        var database = new DatabaseTarget(DatabaseEngine.Postgres, PostgresServer.Instance.CreateDatabase());
        await using var node = await TestServer.StartAsync(DatabaseEngine.Postgres, s => Node(database, Convert.ToBase64String(new byte[32]), redis, maxFailures: 3)(s));
        await Expect.StatusAsync(await node.GetAsync("/api/v4/user"), 200);
        Assert.Equal("failed", (string?)(await TestServer.Json(await node.GetAsync("/-/readiness?all=1", token: null)))["redis_check"]![0]!["status"]);

        await redis.StartAgainAsync();
        await WaitUntilAsync(() => Task.FromResult(node.Services.GetRequiredService<FailedAuthBans>().Shared && Listening(node)), "the node joins Redis", seconds: 20);
        Assert.Equal("ok", (string?)(await TestServer.Json(await node.GetAsync("/-/readiness?all=1", token: null)))["redis_check"]![0]!["status"]);
    }

    [Fact]
    public async Task Two_nodes_sending_expiry_notices_at_the_same_time_send_each_one_once()
    {
        await using var smtp = new SmtpSink();
        var database = new DatabaseTarget(DatabaseEngine.Postgres, PostgresServer.Instance.CreateDatabase());
        Func<TokenwardSettings, TokenwardSettings> mail = s => s with
        {
            Database = database,
            Notifications = new NotificationSettings
            {
                SmtpHost = "127.0.0.1",
                SmtpPort = smtp.Port,
                SmtpSecurity = MailKit.Security.SecureSocketOptions.None,
                From = "tokenward@example.com",
                Interval = TimeSpan.Zero,
            },
        };
        await using var a = await TestServer.StartAsync(DatabaseEngine.Postgres, mail);
        await using var b = await TestServer.StartAsync(DatabaseEngine.Postgres, s => mail(s) with { Secret = a.SecretValue });
        for (var i = 0; i < 30; i++)
        {
            var user = await a.CreateUserAsync($"user{i}");
            await a.CreateTokenAsync(user, ["api"], "2026-06-05", name: $"deploy {i}"); // 4 days left: the 7-day notice
        }

        static async Task<int> RunAsync(TestServer node)
        {
            await using var scope = node.Services.CreateAsyncScope();
            return (await scope.ServiceProvider.GetRequiredService<ExpiryNotifier>().RunOnceAsync(CancellationToken.None)).Values.Sum();
        }

        var sent = 0;
        for (var round = 0; round < 3; round++)
        {
            sent += (await Task.WhenAll(RunAsync(a), RunAsync(b), RunAsync(a), RunAsync(b))).Sum();
        }

        // The 30 tokens make that day an expiry cliff: root, the only admin, is told of it once too.
        Assert.Equal(31, sent);
        Assert.Equal(31, smtp.Messages.Count);
        Assert.Equal(31, smtp.Messages.Select(m => m.To.Single()).Distinct().Count());
        Assert.Single(smtp.Messages, m => m.Data.Contains("Subject: Expiry cliff: 30 access tokens expire on 2026-06-05", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_nodes_write_each_audit_event_once_and_the_survivor_takes_the_audit_log_over()
    {
        var (a, b) = await TwoNodesAsync(redis: null);
        await using var _b = b;
        List<long> inA;
        await using (a)
        {
            var alice = await a.CreateUserAsync("alice");
            for (var i = 0; i < 6; i++)
            {
                await (i % 2 == 0 ? a : b).CreateTokenAsync(alice, ["api"], name: $"t{i}");
            }

            await WaitUntilAsync(() => EverythingShippedAsync(a), "every event shipped");

            // The first node to start carries the stream, including what the other node committed.
            inA = Faults.AuditTrail.ShippedIds(a.Settings.LogDir);
            Assert.Empty(Faults.AuditTrail.ShippedIds(b.Settings.LogDir));
        }

        // A stopped and let its lease go: B writes what comes next, without waiting the lease out.
        var bob = await b.CreateUserAsync("bob");
        await b.CreateTokenAsync(bob, ["api"]);
        await WaitUntilAsync(() => EverythingShippedAsync(b), "B ships the events after A stopped");
        await using var db = await Faults.AuditTrail.OpenAsync(b.Settings.Database);
        var ids = await db.AuditEvents.Select(e => e.Id).OrderBy(id => id).ToListAsync();
        var inB = Faults.AuditTrail.ShippedIds(b.Settings.LogDir);
        Assert.NotEmpty(inB);
        Assert.Equal(ids, inA.Concat(inB).Order());
    }

    private static async Task<bool> EverythingShippedAsync(TestServer node)
    {
        await using var db = await Faults.AuditTrail.OpenAsync(node.Settings.Database);
        var last = db.AuditEvents.Max(e => e.Id);
        return (await node.Services.GetRequiredService<Tokenward.Audit.AuditShipper>().CurrentAsync(CancellationToken.None))?.ShippedThrough == last;
    }

    [Fact]
    public async Task Wrong_passwords_spread_over_two_nodes_lock_the_account_on_both_at_ten()
    {
        var (a, b) = await TwoNodesAsync(redis: null);
        await using var _a = a;
        await using var _b = b;
        const string password = "correct horse battery";
        await Expect.StatusAsync(await a.PostJsonAsync("/api/v4/users", new { username = "alice", email = "alice@example.com", name = "alice", password }), 201);
        using var onA = new WebSession(a);
        using var onB = new WebSession(b);
        for (var i = 0; i < 9; i++)
        {
            Assert.Contains("Invalid login or password.", (await (i % 2 == 0 ? onA : onB).SignInAsync("alice", "wrong " + i)).Html, StringComparison.Ordinal);
        }

        Assert.Contains("Your account is locked.", (await onB.SignInAsync("alice", "wrong 9")).Html, StringComparison.Ordinal);
        Assert.Contains("Your account is locked.", (await onA.SignInAsync("alice", password)).Html, StringComparison.Ordinal);
        Assert.True((bool)(await TestServer.Json(await b.GetAsync("/api/v4/users?username=alice")))[0]!["locked"]!);

        // Ten minutes later (on the node's clock), the right password opens it, and the count starts again.
        a.Clock.Advance(Tokenward.Web.SignInLockout.LockTime + TimeSpan.FromMinutes(1));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, (await onA.SignInAsync("alice", password)).Status);
        await using var db = await Faults.AuditTrail.OpenAsync(a.Settings.Database);
        var alice = await db.Users.SingleAsync(u => u.Username == "alice");
        Assert.Equal((0, (DateTime?)null), (alice.FailedAttempts, alice.LockedAt));
    }
}
