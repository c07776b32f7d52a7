using Microsoft.Data.Sqlite;
using Npgsql;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Http;

/// <summary>The database gone and back: 503 with <c>Retry-After</c> while it is away, never 500, and recovery by itself.</summary>
public class DatabaseOutageTests
{
    [Fact]
    public async Task With_postgresql_gone_every_request_that_needs_it_gets_503_and_service_resumes_when_it_is_back()
    {
        await using var gate = new TcpGate(PostgresServer.Instance.Port);
        var database = new NpgsqlConnectionStringBuilder(PostgresServer.Instance.CreateDatabase()) { Port = gate.Port, Timeout = 3 }.ToString();
        await using var server = await TestServer.StartAsync(DatabaseEngine.Postgres, s => s with
        {
            Database = new DatabaseTarget(DatabaseEngine.Postgres, database),
            AuthCacheSeconds = 0,
        });
        var alice = await server.CreateUserAsync("alice");
        var (_, token) = await server.CreateTokenAsync(alice, ["api"]);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", token), 200);

        // Load through the whole outage: nothing may be a 500.
        using var stopLoad = new CancellationTokenSource();
        var statuses = new System.Collections.Concurrent.ConcurrentBag<int>();
        var load = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            while (!stopLoad.IsCancellationRequested)
            {
                using var response = await server.GetAsync("/api/v4/user", worker % 2 == 0 ? token : "glpat-unknown-token-value-0123456789");
                statuses.Add((int)response.StatusCode);
            }
        })).ToList();
        await Task.Delay(200);

        await gate.CloseAsync();
        var requests = new Func<Task<HttpResponseMessage>>[]
        {
            () => server.GetAsync("/api/v4/user", token),
            () => server.GetAsync("/api/v4/user", "glpat-unknown-token-value-0123456789"),
            () => server.GetAsync("/api/v4/personal_access_tokens"),
            () => server.PostJsonAsync($"/api/v4/users/{alice}/personal_access_tokens", new { name = "n", scopes = new[] { "api" } }),
        };
        foreach (var send in requests.Concat(requests))
        {
            using var response = await send();
            await Expect.BodyAsync(response, 503, """{"message":"503 Service Unavailable - the database is unavailable, retry later"}""");
            Assert.Equal("application/json", response.Content.Headers.ContentType?.ToString());
            Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
        }

        var line = await server.LogLineAsync(l => (int?)l["status"] == 503);
        Assert.Equal("/api/v4/user", (string?)line["path"]);
        Assert.DoesNotContain(server.ServerLog.Entries, e => e.Contains("Unhandled error", StringComparison.Ordinal));
        Assert.Single(server.ServerLog.Entries, e => e.Contains("The database is unavailable", StringComparison.Ordinal));
        // No stack trace per request from EF Core either.
        Assert.DoesNotContain(server.ServerLog.Entries, e => e.Contains("Microsoft.EntityFrameworkCore", StringComparison.Ordinal));

        gate.Open();
        var deadline = Deadline.InSeconds(20);
        HttpResponseMessage back;
        while ((int)(back = await server.GetAsync("/api/v4/user", token)).StatusCode != 200 && !deadline.Passed)
        {
            await Task.Delay(200);
        }

        await Expect.StatusAsync(back, 200);
        await Task.Delay(200);
        await stopLoad.CancelAsync();
        await Task.WhenAll(load);
        Assert.All(statuses, status => Assert.Contains(status, new[] { 200, 401, 503 }));
        Assert.Contains(503, statuses);
        Assert.Contains(200, statuses);
        Assert.Contains(server.ServerLog.Entries, e => e.Contains("The database is back after", StringComparison.Ordinal));
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/users/{alice}/personal_access_tokens", new { name = "after", scopes = new[] { "api" } }), 201);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(10)]
    [InlineData(13)]
    [InlineData(14)]
    public void Sqlite_errors_of_an_unusable_file_are_unavailability(int code) =>
        Assert.True(DatabaseUnavailable.Is(new InvalidOperationException("wrapped", new SqliteException("sqlite", code))));

    [Fact]
    public void Other_errors_are_not_unavailability()
    {
        Assert.False(DatabaseUnavailable.Is(new SqliteException("constraint", 19)));
        Assert.False(DatabaseUnavailable.Is(new SqliteException("locked within one connection", 6)));
        Assert.False(DatabaseUnavailable.Is(new TimeoutException("a regex or an HTTP call, not the database")));
        Assert.False(DatabaseUnavailable.Is(new NpgsqlOperationInProgressException(new NpgsqlCommand())));
        Assert.True(DatabaseUnavailable.Is(new NpgsqlException("connection refused", new System.Net.Sockets.SocketException(111))));
        Assert.False(DatabaseUnavailable.Is(new InvalidOperationException("bug")));
        Assert.False(DatabaseUnavailable.Is(new PostgresException("unique", "ERROR", "ERROR", "23505")));
        Assert.True(DatabaseUnavailable.Is(new PostgresException("shutting down", "FATAL", "FATAL", "57P01")));
    }
}
