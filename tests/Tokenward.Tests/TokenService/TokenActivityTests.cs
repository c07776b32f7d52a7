using System.Text.Json.Nodes;
using Tokenward.Tests.Cli;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.TokenService;

/// <summary>Which token did what: <c>token_type</c> and <c>token_id</c> on every successful line, and <c>logs token-activity</c> over them.</summary>
public sealed class TokenActivityTests : TempDir
{
    [Fact]
    public async Task Every_successful_line_names_its_token_and_token_activity_sums_up_one_tokens_calls()
    {
        await using var server = await TestServer.StartAsync();
        var alice = await server.CreateUserAsync("alice");
        var (id, token) = await server.CreateTokenAsync(alice, ["read_api"]);
        var (_, other) = await server.CreateTokenAsync(alice, ["api"], name: "other");
        await server.GetAsync("/api/v4/user", token);
        await server.GetAsync("/api/v4/personal_access_tokens/self", token);
        await server.GetAsync("/api/v4/user", other);
        using (var refused = await server.Client.SendAsync(TestServer.Request(HttpMethod.Post, $"/api/v4/users/{alice}/personal_access_tokens", token, new FormUrlEncodedContent([new("name", "x"), new("scopes[]", "api")]))))
        {
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.StatusCode);
        }

        server.Clock.Advance(TimeSpan.FromDays(1));
        using (var fromElsewhere = await server.Client.SendAsync(TestServer.Request(HttpMethod.Get, "/api/v4/user", token).WithHeader("User-Agent", "deploy-bot/1.0")))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, fromElsewhere.StatusCode);
        }

        var success = await server.LogLineAsync(l => (string?)l["ua"] == "deploy-bot/1.0");
        Assert.Equal(("PersonalAccessToken", id), ((string?)success["token_type"], (long)success["token_id"]!));
        await server.LogLineAsync(l => (string?)l["meta.auth_fail_reason"] == "insufficient_scope");

        // A GitLab line of token 1234 must not count for token 12 (and the other way round).
        var log = Path.Combine(Dir, "api_json.log");
        File.Copy(server.LogPath, log);
        await File.AppendAllTextAsync(log, """{"time":"2026-06-02T12:00:00.000Z","severity":"INFO","method":"GET","path":"/api/v4/projects","status":200,"remote_ip":"10.0.0.9","route":"/api/:version/projects","user_id":43,"username":"bot","token_type":"PersonalAccessToken","token_id":""" + id + "4}\n");

        var run = await TokenwardProcess.RunAsync(null, "logs", "token-activity", "--token-id", id.ToString(System.Globalization.CultureInfo.InvariantCulture), log, "--format", "json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var json = JsonNode.Parse(run.Stdout)!;
        Assert.Equal((4L, 3L, 1L), ((long)json["calls"]!, (long)json["succeeded"]!, (long)json["refused"]!));
        Assert.Equal(["2026-06-01", "2026-06-02"], json["days"]!.AsArray().Select(d => (string)d!["date"]!));
        Assert.Equal((3L, 1L), ((long)json["days"]![0]!["calls"]!, (long)json["days"]![0]!["refused"]!));
        var endpoints = json["endpoints"]!.AsArray();
        Assert.Equal(("GET /api/:version/user", 2L), ((string?)endpoints[0]!["endpoint"], (long)endpoints[0]!["calls"]!));
        Assert.Contains(endpoints, e => (string?)e!["endpoint"] == "POST /api/:version/users/:user_id/personal_access_tokens" && (long)e["refused"]! == 1);
        Assert.Equal("2026-06-02T10:00:00Z", (string?)json["last_seen"]);
        Assert.Equal("127.0.0.1", (string?)json["addresses"]![0]!["ip"]);
        Assert.Contains(json["user_agents"]!.AsArray(), u => (string?)u!["user_agent"] == "deploy-bot/1.0");

        var table = await TokenwardProcess.RunAsync(null, "logs", "token-activity", "--token-id", $"PersonalAccessToken/{id}", Dir);
        Assert.True(table.ExitCode == 0, table.Stderr);
        Assert.StartsWith($"Token {id}: 4 calls (3 succeeded, 1 refused)", table.Stdout, StringComparison.Ordinal);

        var bad = await TokenwardProcess.RunAsync(null, "logs", "token-activity", "--token-id", "twelve", log);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("is not a token id", bad.Stderr, StringComparison.Ordinal);
    }
}
