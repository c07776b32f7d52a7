using System.Net;
using System.Text.Json.Nodes;
using Npgsql;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Http;

/// <summary>GitLab's probes: <c>/-/liveness</c> and <c>/-/readiness</c> with GitLab's JSON, for the monitoring allowlist only.</summary>
public sealed class HealthTests
{
    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Probes_answer_gitlabs_json_and_all_lists_each_check(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        await Expect.BodyAsync(await server.GetAsync("/-/liveness", token: null), 200, """{"status":"ok"}""");
        await Expect.BodyAsync(await server.GetAsync("/-/readiness", token: null), 200, """{"status":"ok","master_check":[{"status":"ok"}]}""");
        await Expect.BodyAsync(await server.GetAsync("/-/readiness?all=1", token: null), 200,
            """{"status":"ok","master_check":[{"status":"ok"}],"db_check":[{"status":"ok"}],"api_log_check":[{"status":"ok"}],"audit_log_check":[{"status":"ok"}]}""");
    }

    [Fact]
    public async Task Probes_answer_only_the_monitoring_allowlist()
    {
        await using var server = await TestServer.StartAsync(configure: s => s with { MonitoringAllowlist = [IPNetwork.Parse("10.0.0.0/8")] });
        await Expect.StatusAsync(await server.GetAsync("/-/liveness", token: null), 404);
        await Expect.StatusAsync(await server.GetAsync("/-/readiness?all=1", token: null), 404);
        await Expect.StatusAsync(await server.GetAsync("/-/health", token: null), 200);
    }

    [Fact]
    public async Task With_the_database_gone_readiness_of_all_checks_is_503_naming_it_and_comes_back_with_it()
    {
        await using var gate = new TcpGate(PostgresServer.Instance.Port);
        var database = new NpgsqlConnectionStringBuilder(PostgresServer.Instance.CreateDatabase()) { Port = gate.Port, Timeout = 2 }.ToString();
        await using var server = await TestServer.StartAsync(DatabaseEngine.Postgres, s => s with { Database = new DatabaseTarget(DatabaseEngine.Postgres, database) });
        await Expect.StatusAsync(await server.GetAsync("/-/readiness?all=1", token: null), 200);

        await gate.CloseAsync();
        var down = await server.GetAsync("/-/readiness?all=1", token: null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        var body = JsonNode.Parse(await down.Content.ReadAsStringAsync())!;
        Assert.Equal("failed", (string?)body["status"]);
        Assert.Equal("failed", (string?)body["db_check"]![0]!["status"]);
        Assert.False(string.IsNullOrEmpty((string?)body["db_check"]![0]!["message"]));
        Assert.Equal("ok", (string?)body["api_log_check"]![0]!["status"]);
        // The process itself is alive, and without all=1 readiness is the application's own, as GitLab's.
        await Expect.StatusAsync(await server.GetAsync("/-/liveness", token: null), 200);
        await Expect.StatusAsync(await server.GetAsync("/-/readiness", token: null), 200);

        gate.Open();
        await Expect.StatusAsync(await server.GetAsync("/-/readiness?all=1", token: null), 200);
    }
}
