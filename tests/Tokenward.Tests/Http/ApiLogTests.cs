using Microsoft.Extensions.DependencyInjection;
using Tokenward.ApiLog;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Http;

public class ApiLogTests
{
    [Fact]
    public async Task A_successful_request_is_logged_with_gitlabs_fields()
    {
        await using var server = await TestServer.StartAsync();
        var request = TestServer.Request(HttpMethod.Get, "/api/v4/personal_access_tokens/1?per_page=5");
        request.Headers.Add("User-Agent", "python-gitlab/4.4.0");
        request.Headers.Add("X-Request-Id", "req-123");
        var response = await server.Client.SendAsync(request);
        await Expect.StatusAsync(response, 200);
        Assert.Equal("req-123", string.Join(",", response.Headers.GetValues("X-Request-Id")));

        var line = await server.LogLineAsync(l => (string?)l["correlation_id"] == "req-123");
        foreach (var key in new[] { "time", "severity", "duration_s", "db_duration_s", "status", "method", "path", "params", "host", "remote_ip", "ua", "route", "user_id", "username", "correlation_id", "meta.caller_id", "meta.user", "meta.user_id", "meta.client_id" })
        {
            Assert.True(line.ContainsKey(key), $"missing {key}: {line.ToJsonString()}");
        }

        Assert.Equal("2026-06-01T10:00:00.000Z", (string?)line["time"]);
        Assert.Equal("GET", (string?)line["method"]);
        Assert.Equal("/api/v4/personal_access_tokens/1", (string?)line["path"]);
        Assert.Equal("/api/:version/personal_access_tokens/:id", (string?)line["route"]);
        Assert.Equal("GET /api/:version/personal_access_tokens/:id", (string?)line["meta.caller_id"]);
        Assert.Equal("python-gitlab/4.4.0", (string?)line["ua"]);
        Assert.Equal("127.0.0.1", (string?)line["remote_ip"]);
        Assert.Equal(1, (int?)line["user_id"]);
        Assert.Equal("root", (string?)line["username"]);
        Assert.Equal("user/1", (string?)line["meta.client_id"]);
        Assert.Equal("""[{"key":"per_page","value":"5"}]""", line["params"]!.ToJsonString());
        Assert.True((double)line["db_duration_s"]! > 0);
    }

    [Fact]
    public async Task Token_values_in_parameters_are_filtered()
    {
        await using var server = await TestServer.StartAsync();
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/user?private_token={TestServer.RootToken}", token: null), 200);
        var line = await server.LogLineAsync(l => (string?)l["path"] == "/api/v4/user");
        Assert.Equal("""[{"key":"private_token","value":"[FILTERED]"}]""", line["params"]!.ToJsonString());
        Assert.DoesNotContain(TestServer.RootToken, await File.ReadAllTextAsync(server.LogPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_concurrent_requests_lose_no_lines()
    {
        await using var server = await TestServer.StartAsync();
        const int Count = 400;
        await Parallel.ForEachAsync(Enumerable.Range(0, Count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var request = TestServer.Request(HttpMethod.Get, "/api/v4/user");
            request.Headers.Add("X-Request-Id", $"burst-{i}");
            using var response = await server.Client.SendAsync(request, ct);
        });

        var deadline = Deadline.InSeconds(10);
        while (server.ReadLogLines().Count(l => ((string?)l["correlation_id"])?.StartsWith("burst-", StringComparison.Ordinal) == true) < Count && !deadline.Passed)
        {
            await Task.Delay(50);
        }

        var ids = server.ReadLogLines().Select(l => (string?)l["correlation_id"]).Where(c => c?.StartsWith("burst-", StringComparison.Ordinal) == true).ToHashSet();
        Assert.Equal(Count, ids.Count);
    }

    [Fact]
    public async Task Copytruncate_rotation_continues_at_the_start_of_the_file()
    {
        await using var server = await TestServer.StartAsync();
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user"), 200);
        await server.LogLineAsync(l => (string?)l["path"] == "/api/v4/user");

        // What logrotate's copytruncate does: copy, then truncate in place.
        File.Copy(server.LogPath, server.LogPath + ".1");
        await using (var f = new FileStream(server.LogPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            f.SetLength(0);
        }

        await Expect.StatusAsync(await server.GetAsync("/api/v4/users/1"), 200);
        await server.LogLineAsync(l => (string?)l["path"] == "/api/v4/users/1");
        var text = await File.ReadAllTextAsync(server.LogPath);
        Assert.StartsWith("{", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\0', text);
    }

    [Fact]
    public async Task A_moved_log_is_reopened_on_request()
    {
        await using var server = await TestServer.StartAsync();
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user"), 200);
        await server.LogLineAsync(l => (string?)l["path"] == "/api/v4/user");
        File.Move(server.LogPath, server.LogPath + ".1");

        // logrotate's postrotate sends SIGHUP; the handler calls Reopen.
        server.Services.GetRequiredService<ApiJsonLog>().Reopen();
        await Expect.StatusAsync(await server.GetAsync("/api/v4/users/1"), 200);
        var line = await server.LogLineAsync(l => (string?)l["path"] == "/api/v4/users/1");
        Assert.Equal(200, (int?)line["status"]);
        Assert.DoesNotContain("/api/v4/users/1", await File.ReadAllTextAsync(server.LogPath + ".1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_api()
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.GetAsync("/api/v4/openapi.json", token: null);
        await Expect.StatusAsync(response, 200);
        var doc = await TestServer.Json(response);
        var paths = doc["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/api/v4/personal_access_tokens", paths);
        Assert.Contains("/api/v4/personal_access_tokens/{id}", paths);
        Assert.Contains("/api/v4/users/{user_id}/personal_access_tokens", paths);
        Assert.Contains("/api/v4/user", paths);
    }
}
