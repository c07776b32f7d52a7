using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.LogAnalysis;
using Tokenward.Storage;
using Tokenward.Tests.Cli;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.LogAnalysis;

public class AuthFailuresTests : TempDir
{
    /// <summary>The sample line of the compatibility reference: GitLab's own format.</summary>
    private const string GitLabLine = """{"time":"2024-05-14T09:12:41.902Z","severity":"INFO","duration_s":0.01234,"db_duration_s":0.00211,"view_duration_s":0.01023,"status":401,"method":"GET","path":"/api/v4/user","params":[],"host":"gitlab.example.com","remote_ip":"203.0.113.7","ua":"python-requests/2.31.0","route":"/api/:version/user","queue_duration_s":0.0041,"request_urgency":"default","target_duration_s":1,"correlation_id":"01HXZ8Q7W3E4R5T6Y7U8I9O0P1","meta.caller_id":"GET /api/:version/user","meta.remote_ip":"203.0.113.7","meta.feature_category":"user_profile","meta.client_id":"ip/203.0.113.7","meta.auth_fail_reason":"token_expired","meta.auth_fail_token_id":"PersonalAccessToken/12"}""";

    private const string GitLabSuccess = """{"time":"2024-05-14T09:12:42.001Z","severity":"INFO","duration_s":0.02,"status":200,"method":"GET","path":"/api/v4/projects","params":[{"key":"private_token","value":"[FILTERED]"}],"remote_ip":"198.51.100.4","ua":"curl/8.5.0","route":"/api/:version/projects","user_id":1,"username":"root","meta.user":"root","meta.user_id":1,"meta.client_id":"user/1"}""";

    private static AuthFailureStats Scan(string text, LogFilter? filter = null)
    {
        var stats = new AuthFailureStats();
        new LineScanner(filter ?? new LogFilter(), stats, 0).Scan(Encoding.UTF8.GetBytes(text));
        return stats;
    }

    [Fact]
    public void Gitlab_lines_are_read_whatever_the_order_of_their_keys()
    {
        var reordered = JsonNode.Parse(GitLabLine)!.AsObject().Reverse().Aggregate(new JsonObject(), (o, kv) =>
        {
            o[kv.Key] = kv.Value?.DeepClone();
            return o;
        }).ToJsonString();
        var stats = Scan(GitLabSuccess + "\n" + GitLabLine + "\r\n" + reordered + "\n");
        Assert.Equal((3L, 2L, 0L), (stats.Lines, stats.Failures, stats.Malformed));
        Assert.Equal(2, stats.ByReason["token_expired"]);
        var token = stats.ByToken["PersonalAccessToken/12"];
        Assert.Equal(new DateTime(2024, 5, 14, 9, 12, 41, 902, DateTimeKind.Utc), token.FirstSeen);
        Assert.Equal(["203.0.113.7"], token.Ips);
        Assert.Equal(["python-requests/2.31.0"], token.UserAgents);
        Assert.Equal(2, stats.ByRoute["/api/:version/user"]);
        Assert.Equal(2, stats.Timeline[new DateTime(2024, 5, 14, 9, 0, 0, DateTimeKind.Utc)]);
    }

    [Fact]
    public void Malformed_and_truncated_lines_are_counted_never_fatal()
    {
        var truncated = GitLabLine[..200];
        var broken = GitLabLine.Replace("\"status\":401,", "\"status\":401,,", StringComparison.Ordinal);
        var stats = Scan($"{GitLabSuccess}\nnot json at all\n{truncated}\n\n{broken}\n{GitLabLine}\n{{\"status\":401}}\n{truncated}");
        // Not JSON, truncated, a broken failure line, and the last line cut short; the blank line is neither.
        Assert.Equal(4, stats.Malformed);
        Assert.Equal([2L, 3L, 5L, 8L], stats.MalformedAt.Select(m => m.Line));
        Assert.Equal(2, stats.Failures);
        Assert.Equal(1, stats.UnknownByIp["(none)"]);
    }

    [Fact]
    public void Unknown_tokens_are_counted_by_address_apart_from_known_ones()
    {
        var unknown = """{"time":"2024-05-14T10:00:00.000Z","status":401,"method":"GET","path":"/api/v4/user","remote_ip":"192.0.2.9","meta.auth_fail_token_type":"unknown"}""";
        var oldStyle = """{"time":"2024-05-14T10:00:01.000Z","status": 401,"method":"GET","path":"/api/v4/user","remote_ip":"192.0.2.9"}""";
        var stats = Scan(string.Join('\n', GitLabLine, unknown, oldStyle, GitLabSuccess));
        Assert.Equal(2, stats.UnknownByIp["192.0.2.9"]);
        Assert.Equal(1, stats.ByIp["203.0.113.7"]);
        Assert.False(stats.ByIp.ContainsKey("192.0.2.9"));
        Assert.Equal(3, stats.Failures);
    }

    [Fact]
    public void Filters_narrow_the_failures()
    {
        var scope = """{"time":"2024-05-15T08:00:00.000Z","status":403,"method":"POST","path":"/api/v4/projects/7/issues","remote_ip":"198.51.100.20","meta.auth_fail_reason":"insufficient_scope","meta.auth_fail_token_id":"PersonalAccessToken/30","meta.auth_fail_requested_scopes":"api"}""";
        var text = string.Join('\n', GitLabLine, scope, GitLabSuccess);
        Assert.Equal(1, Scan(text, new LogFilter { Reason = "insufficient_scope" }).Failures);
        Assert.Equal(1, Scan(text, new LogFilter { TokenId = "12" }).Failures);
        Assert.Equal(1, Scan(text, new LogFilter { TokenId = "PersonalAccessToken/30" }).Failures);
        Assert.Equal(1, Scan(text, new LogFilter { Status = 403 }).Failures);
        Assert.Equal(1, Scan(text, new LogFilter { Ip = "203.0.113.7" }).Failures);
        Assert.Equal(1, Scan(text, new LogFilter { Path = "/api/v4/projects/*" }).Failures);
        Assert.Equal(0, Scan(text, new LogFilter { Path = "/api/v4/projects" }).Failures);
        Assert.Equal(1, Scan(text, new LogFilter { Since = new DateTime(2024, 5, 15, 0, 0, 0, DateTimeKind.Utc) }).Failures);
        Assert.Equal(1, Scan(text, new LogFilter { Until = new DateTime(2024, 5, 15, 0, 0, 0, DateTimeKind.Utc) }).Failures);
        Assert.Equal(["api"], Scan(text).ByToken["PersonalAccessToken/30"].RequestedScopes);
    }

    [Theory]
    [InlineData("-20261130.gz", "-20261201")]
    [InlineData("-2026-11-30.gz", "-2026-12-01")]
    [InlineData(".20261130.gz", ".20261201")]
    public async Task A_set_rotated_with_dateext_is_read_oldest_first_and_the_live_file_last(string older, string newer)
    {
        // Written newest first, so the folder's order proves nothing; the numbered file is from before the switch to dateext.
        foreach (var name in new[] { "api_json.log", "api_json.log" + newer, "api_json.log" + older, "api_json.log.1" })
        {
            await File.WriteAllTextAsync(Path.Combine(Dir, name), GitLabLine + "\n");
        }

        Assert.Equal(["api_json.log.1", "api_json.log" + older, "api_json.log" + newer, "api_json.log"], LogInput.Expand([Dir]).Select(i => Path.GetFileName(i.Name)));
    }

    [Fact]
    public async Task Rotated_sets_gzip_and_stdin_are_read_and_bad_files_refused()
    {
        await File.WriteAllTextAsync(Path.Combine(Dir, "api_json.log"), GitLabLine + "\n");
        await File.WriteAllTextAsync(Path.Combine(Dir, "api_json.log.1"), GitLabLine + "\n" + GitLabSuccess + "\n");
        await using (var gz = new GZipStream(File.Create(Path.Combine(Dir, "api_json.log.2.gz")), CompressionLevel.Fastest))
        {
            await gz.WriteAsync(Encoding.UTF8.GetBytes(GitLabLine + "\n" + GitLabLine + "\n" + GitLabLine[..100]));
        }

        var inputs = LogInput.Expand([Dir]);
        Assert.Equal(["api_json.log.2.gz", "api_json.log.1", "api_json.log"], inputs.Select(i => Path.GetFileName(i.Name)));
        Assert.Equal(inputs.Select(i => i.Name), LogInput.Expand([Path.Combine(Dir, "api_json.log*")]).Select(i => i.Name));
        var scan = new LogScan(new LogFilter(), 2);
        var stats = scan.Run(inputs, CancellationToken.None);
        Assert.Equal((4L, 1L, 6L), (stats.Failures, stats.Malformed, stats.Lines));
        Assert.Equal((Path.Combine(Dir, "api_json.log.2.gz"), 3L), Assert.Single(scan.MalformedLines));

        var piped = await RunWithStdinAsync(GitLabLine + "\n", "logs", "auth-failures", "--format", "json", "--no-inventory");
        Assert.Equal(1, (int)JsonNode.Parse(piped.Stdout)!["failures"]!);

        await File.WriteAllBytesAsync(Path.Combine(Dir, "binary.bin"), [0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]);
        await File.WriteAllTextAsync(Path.Combine(Dir, "plain.txt"), "2024-05-14 09:12:41 GET /api/v4/user 401\n");
        foreach (var (file, message) in new[] { ("binary.bin", "is a binary file"), ("plain.txt", "is not a JSON-lines log"), ("missing.log", "no such file") })
        {
            var result = await TokenwardProcess.RunAsync(null, "logs", "auth-failures", Path.Combine(Dir, file), "--no-inventory");
            Assert.Equal(1, result.ExitCode);
            Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Tokenwards_own_log_of_real_failures_joins_the_inventory_and_suggests_fixes()
    {
        await using var server = await TestServer.StartAsync(configure: s => s with { ImpersonationEnabled = false });
        var alice = await server.CreateUserAsync("alice");
        var (expired, expiredToken) = await server.CreateTokenAsync(alice, ["api"], "2026-06-03", "deploy");
        var (revoked, revokedToken) = await server.CreateTokenAsync(alice, ["api"], null, "old");
        await server.DeleteAsync($"/api/v4/personal_access_tokens/{revoked}");
        var (narrow, narrowToken) = await server.CreateTokenAsync(alice, ["read_user"], null, "narrow");
        var (impersonation, impersonationToken) = await server.CreateTokenAsync(alice, ["api"], null, "imp");
        await using (var scope = server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<TokenwardDb>().PersonalAccessTokens.Where(t => t.Id == impersonation)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.Impersonation, true));
        }

        server.Clock.Advance(TimeSpan.FromDays(3));
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", expiredToken), 401);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", expiredToken), 401);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", revokedToken), 401);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/projects", narrowToken), 403);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", impersonationToken), 401);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", "glpat-unknownunknownunknownunknown01"), 401);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user"), 200);
        await server.LogLineAsync(l => (int?)l["status"] == 200 && (string?)l["path"] == "/api/v4/user");

        var result = await TokenwardProcess.RunAsync(null, "logs", "auth-failures", server.LogPath, "--format", "json", "--data-dir", server.Dir);
        Assert.True(result.ExitCode == 0, result.Stderr);
        var report = JsonNode.Parse(result.Stdout)!;
        Assert.Equal(6, (int)report["failures"]!);
        var reasons = report["by_reason"]!.AsArray().ToDictionary(r => (string)r!["key"]!, r => (int)r!["count"]!);
        Assert.Equal(new Dictionary<string, int> { ["token_expired"] = 2, ["token_revoked"] = 1, ["insufficient_scope"] = 1, ["impersonation_disabled"] = 1 }, reasons);
        Assert.Equal(1, (int)report["unknown_token_by_ip"]![0]!["count"]!);
        var tokens = report["tokens"]!.AsArray().ToDictionary(t => (string)t!["id"]!, t => t!);
        var first = tokens[$"PersonalAccessToken/{expired}"];
        Assert.Equal(2, (int)first["count"]!);
        Assert.Equal(("deploy", "alice", "expired", "2026-06-03"), ((string?)first["inventory"]!["name"], (string?)first["inventory"]!["owner"], (string?)first["inventory"]!["state"], (string?)first["inventory"]!["expires_at"]));
        Assert.Contains($"tokens rotate --id {expired}", (string)first["suggestion"]!, StringComparison.Ordinal);
        Assert.Equal("revoked", (string?)tokens[$"PersonalAccessToken/{revoked}"]["inventory"]!["state"]);
        Assert.Contains("it has read_user", (string)tokens[$"PersonalAccessToken/{narrow}"]["suggestion"]!, StringComparison.Ordinal);
        Assert.Contains("impersonation is disabled", (string)tokens[$"PersonalAccessToken/{impersonation}"]["suggestion"]!, StringComparison.Ordinal);

        // The same join through the API of a running server.
        var remote = await TokenwardProcess.RunAsync(null, "logs", "auth-failures", server.LogPath, "--format", "json", "--url", server.BaseAddress.ToString(), "--token", TestServer.RootToken);
        Assert.True(remote.ExitCode == 0, remote.Stderr);
        var remoteTokens = JsonNode.Parse(remote.Stdout)!["tokens"]!.AsArray().ToDictionary(t => (string)t!["id"]!, t => t!);
        Assert.Equal(("deploy", "alice", "revoked"), ((string?)remoteTokens[$"PersonalAccessToken/{expired}"]["inventory"]!["name"], (string?)remoteTokens[$"PersonalAccessToken/{expired}"]["inventory"]!["owner"], (string?)remoteTokens[$"PersonalAccessToken/{revoked}"]["inventory"]!["state"]));

        var table = await TokenwardProcess.RunAsync(null, "logs", "auth-failures", server.LogPath, "--data-dir", server.Dir);
        Assert.Contains("fix: expired 2026-06-03: rotate it", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("CLIENT IP (unknown or missing token)", table.Stdout, StringComparison.Ordinal);
        var csv = await TokenwardProcess.RunAsync(null, "logs", "auth-failures", server.LogPath, "--format", "csv", "--reason", "token_expired", "--data-dir", server.Dir);
        Assert.Equal(2, csv.Stdout.TrimEnd().Split('\n').Length);
        Assert.StartsWith($"PersonalAccessToken/{expired},2,", csv.Stdout.Split('\n')[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Counts_are_identical_to_jqs_on_a_generated_log_read_in_parallel_segments()
    {
        var log = Path.Combine(Dir, "api_json.log");
        var generator = Path.Combine(Repo.Root, "bench", "auth-failures", "generate.py");
        await RunAsync("bash", "-c", $"python3 '{generator}' 24 --seed 7 > '{log}'");
        var jq = JsonNode.Parse(await RunAsync("jq", "-n", "-f", Path.Combine(Repo.Root, "bench", "auth-failures", "counts.jq"), log))!;

        var result = await TokenwardProcess.RunAsync(null, "logs", "auth-failures", log, "--format", "json", "--no-inventory", "--threads", "2");
        Assert.True(result.ExitCode == 0, result.Stderr);
        var ours = JsonNode.Parse(result.Stdout)!;
        static JsonObject Map(JsonNode list, string key = "key") =>
            new(list.AsArray().OrderBy(e => (string)e![key]!, StringComparer.Ordinal).Select(e => KeyValuePair.Create((string)e![key]!, (JsonNode?)(long)e["count"]!)));
        Assert.Equal((long)jq["failures"]!, (long)ours["failures"]!);
        Assert.True((long)ours["failures"]! > 500);
        Assert.Equal(Sorted(jq["by_reason"]!), Map(ours["by_reason"]!).ToJsonString());
        Assert.Equal(Sorted(jq["by_token"]!), Map(ours["tokens"]!, "id").ToJsonString());
        Assert.Equal(Sorted(jq["by_ip"]!), Map(ours["by_ip"]!).ToJsonString());
        Assert.Equal(Sorted(jq["unknown_by_ip"]!), Map(ours["unknown_token_by_ip"]!).ToJsonString());
    }

    [Fact]
    public async Task Follow_prints_new_failures_through_a_copytruncate_rotation_and_sums_up_on_stop()
    {
        var log = Path.Combine(Dir, "api_json.log");
        await File.WriteAllTextAsync(log, GitLabLine + "\n" + GitLabSuccess + "\n");
        var start = TokenwardProcess.StartInfo(null, ["logs", "auth-failures", log, "--follow", "--format", "json", "--no-inventory"]);
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        var stderr = process.StandardError.ReadToEndAsync();

        async Task WaitForAsync(string text)
        {
            for (var i = 0; i < 200; i++)
            {
                lock (output)
                {
                    if (output.ToString().Contains(text, StringComparison.Ordinal))
                    {
                        return;
                    }
                }

                await Task.Delay(50);
            }

            Assert.Fail($"'{text}' never came; output so far: {output}");
        }

        await Task.Delay(1000);
        await File.AppendAllTextAsync(log, GitLabLine.Replace("PersonalAccessToken/12", "PersonalAccessToken/77", StringComparison.Ordinal) + "\n");
        await WaitForAsync("token_expired PersonalAccessToken/77 203.0.113.7 GET /api/v4/user");

        // copytruncate: the file is emptied in place and written from the start.
        await using (var truncate = new FileStream(log, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            truncate.SetLength(0);
        }

        await Task.Delay(600);
        await File.AppendAllTextAsync(log, GitLabLine.Replace("PersonalAccessToken/12", "PersonalAccessToken/78", StringComparison.Ordinal) + "\n");
        await WaitForAsync("PersonalAccessToken/78");

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await process.WaitForExitAsync();
        process.WaitForExit();
        string text;
        lock (output)
        {
            text = output.ToString();
        }

        var json = JsonNode.Parse(text[text.IndexOf("\n{", StringComparison.Ordinal)..])!;
        Assert.True(3 == (int)json["failures"]!, text + await stderr);
        Assert.Equal(["PersonalAccessToken/12", "PersonalAccessToken/77", "PersonalAccessToken/78"], json["tokens"]!.AsArray().Select(t => (string)t!["id"]!).Order());
    }

    private static string Sorted(JsonNode map) =>
        new JsonObject(map.AsObject().OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)(long)kv.Value!))).ToJsonString();

    private static async Task<string> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} failed: {await stderr}");
        return await stdout;
    }

    private static async Task<TokenwardProcess.Result> RunWithStdinAsync(string input, params string[] args)
    {
        var start = TokenwardProcess.StartInfo(null, args);
        start.RedirectStandardInput = true;
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new TokenwardProcess.Result(process.ExitCode, await stdout, await stderr);
    }
}
