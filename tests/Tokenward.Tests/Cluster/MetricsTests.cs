using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Tokenward.Tests.Cli;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Cluster;

/// <summary><c>/-/metrics</c> in Prometheus format, read from a real <c>serve</c> process (its meters are its own).</summary>
public sealed partial class MetricsTests : TempDir
{
    [Fact]
    public async Task Metrics_count_authentications_tokens_expiry_cliffs_bans_requests_and_the_pool()
    {
        var database = PostgresServer.Instance.CreateDatabase();
        var port = Ports.Free();
        var url = new Uri($"http://127.0.0.1:{port}");
        await using var serve = await ServeProcess.StartAsync(
            new Dictionary<string, string>
            {
                ["TOKENWARD_INITIAL_ROOT_TOKEN"] = TestServer.RootToken,
                ["TOKENWARD_METRICS_REFRESH_SECONDS"] = "1",
                ["TOKENWARD_AUTH_BAN_MAX_FAILURES"] = "3",
                ["TOKENWARD_AUTH_BAN_ALLOWLIST"] = "192.0.2.1",
            },
            ["serve", "--urls", url.ToString(), "--data-dir", Dir, "--database", database], url);
        using var client = new HttpClient { BaseAddress = url };
        client.DefaultRequestHeaders.Add("PRIVATE-TOKEN", TestServer.RootToken);
        using var anonymous = new HttpClient { BaseAddress = url };
        // The first count runs once the server has started.
        var before = await WaitForAsync(client, t => Value(t, "tokenward_tokens", "kind=\"personal\",state=\"active\"") >= 1);
        var rootTokens = Value(before, "tokenward_tokens", "kind=\"personal\",state=\"active\"");

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        string Day(int days) => today.AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var alice = await TestServer.Json(await client.PostAsJsonAsync("/api/v4/users", new { username = "alice", email = "alice@example.com", name = "Alice" }));
        var aliceId = (long)alice["id"]!;
        async Task<(long Id, string Token)> CreateAsync(int days)
        {
            var created = await TestServer.Json(await client.PostAsJsonAsync($"/api/v4/users/{aliceId}/personal_access_tokens", new { name = "t", scopes = new[] { "api" }, expires_at = Day(days) }));
            return ((long)created["id"]!, (string)created["token"]!);
        }

        for (var i = 0; i < 12; i++)
        {
            await CreateAsync(20); // the cliff: 12 on one day
        }

        await CreateAsync(5);
        var (revokedId, revoked) = await CreateAsync(90);
        await Expect.StatusAsync(await client.DeleteAsync(new Uri($"/api/v4/personal_access_tokens/{revokedId}", UriKind.Relative)), 204);

        await Expect.StatusAsync(await anonymous.SendAsync(WithToken("/api/v4/user", revoked)), 401);
        await Expect.StatusAsync(await anonymous.SendAsync(WithToken("/api/v4/user", "no-such-token-000000000000")), 401);

        // The token gauges are counted again every second, never per scrape: wait for the new count.
        var text = await WaitForAsync(client, t => Value(t, "tokenward_tokens", "kind=\"personal\",state=\"active\"") == rootTokens + 13);
        Assert.Equal(1, Value(text, "tokenward_tokens", "kind=\"personal\",state=\"revoked\""));
        Assert.Equal(0, Value(text, "tokenward_tokens", "kind=\"project\",state=\"active\""));
        Assert.Equal(1, Value(text, "tokenward_tokens_expiring", "within_days=\"7\""));
        Assert.Equal(13, Value(text, "tokenward_tokens_expiring", "within_days=\"30\""));
        Assert.Equal(12, Value(text, "tokenward_expiry_cliff_largest", $"date=\"{Day(20)}\""));
        Assert.Equal(1, Value(text, "tokenward_authentications_total", "auth_fail_reason=\"token_revoked\",outcome=\"failure\""));
        Assert.Equal(1, Value(text, "tokenward_authentications_total", "auth_fail_reason=\"token_unknown\",outcome=\"failure\""));
        Assert.True(Value(text, "tokenward_authentications_total", "outcome=\"success\"") >= 16);
        Assert.True(Value(text, "tokenward_api_log_lines_written_total", string.Empty) >= 16);
        Assert.Equal(0, Value(text, "tokenward_api_log_lines_dropped_total", string.Empty));
        Assert.True(Value(text, "tokenward_audit_log_lines_total", string.Empty) >= 15);
        // Request durations by route and status, ASP.NET Core's histogram.
        Assert.Matches(DurationOfUser401(), text);
        // Npgsql's connection pool.
        Assert.Contains("db_client_connection", text, StringComparison.Ordinal);

        // Every metric README lists is there (a notice and Redis are another test's).
        var readme = await File.ReadAllTextAsync(Path.Combine(Repo.Root, "README.md"));
        foreach (var name in ReadmeMetric().Matches(readme).Select(m => m.Groups[1].Value).Distinct().Where(n => n is not ("tokenward_notices_total" or "tokenward_redis_connected")))
        {
            Assert.Contains("\n" + name + "{", text, StringComparison.Ordinal);
        }

        // A ban shows as a gauge.
        Assert.Equal(0, Value(text, "tokenward_auth_bans_active", string.Empty));
        for (var i = 0; i < 3; i++)
        {
            await anonymous.SendAsync(WithToken("/api/v4/user", "no-such-token-000000000000"));
        }

        // (The exporter keeps a scrape's answer for a moment, so wait for a fresh one.)
        await WaitForAsync(client, t => Value(t, "tokenward_auth_bans_active", string.Empty) == 1);
    }

    [Fact]
    public async Task Metrics_answer_only_the_monitoring_allowlist()
    {
        await using var server = await TestServer.StartAsync(configure: s => s with { MonitoringAllowlist = AuthBans.BanPolicy.ParseNetworks("10.0.0.0/8") });
        await Expect.StatusAsync(await server.GetAsync("/-/metrics", token: null), 404);
        await using var allowed = await TestServer.StartAsync();
        var response = await allowed.GetAsync("/-/metrics", token: null);
        await Expect.StatusAsync(response, 200);
        Assert.Contains("tokenward_tokens{", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static HttpRequestMessage WithToken(string path, string token) =>
        new(HttpMethod.Get, new Uri(path, UriKind.Relative)) { Headers = { { "PRIVATE-TOKEN", token } } };

    private static async Task<string> ScrapeAsync(HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("/-/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<string> WaitForAsync(HttpClient client, Func<string, bool> condition)
    {
        var deadline = Deadline.InSeconds(20);
        while (true)
        {
            var text = await ScrapeAsync(client);
            if (condition(text))
            {
                return text;
            }

            Assert.True(!deadline.Passed, "the token gauges were not counted again within 20 s:\n" + text);
            await Task.Delay(200);
        }
    }

    /// <summary>The value of the series <paramref name="name"/> whose labels end with <paramref name="labels"/> (after <c>otel_scope_name</c>), or -1.</summary>
    private static double Value(string text, string name, string labels)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(name + "{", StringComparison.Ordinal) && line.Contains(labels.Length == 0 ? "\"}" : labels + "}", StringComparison.Ordinal))
            {
                return double.Parse(line[(line.LastIndexOf('}') + 2)..].Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }

    [GeneratedRegex("""http_server_request_duration_seconds_count\{[^}]*http_response_status_code="401",http_route="/api/v4/user"[^}]*\} [1-9]""")]
    private static partial Regex DurationOfUser401();

    [GeneratedRegex(@"`(tokenward_[a-z_]+)`")]
    private static partial Regex ReadmeMetric();
}
