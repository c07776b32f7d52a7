using System.Diagnostics;
using System.Text.Json.Nodes;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Faults;

/// <summary>
/// The log folder on a small tmpfs filled to the last byte, then freed: the API keeps serving,
/// lost request-log lines are counted and reported once, audit events wait in the database and
/// are all written once space returns, and no line is ever half written.
/// </summary>
public sealed class FullDiskTests : TempDir
{
    [Fact]
    public async Task A_full_log_disk_is_a_state_the_server_serves_through_and_recovers_from()
    {
        var logDir = Path.Combine(Dir, "tmpfs");
        Directory.CreateDirectory(logDir);
        Run("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", logDir);
        try
        {
            await using (var server = await TestServer.StartAsync(configure: s => s with { LogDir = logDir }))
            {
                var alice = await server.CreateUserAsync("alice");
                await server.LogLineAsync(l => (string?)l["path"] == "/api/v4/users");
                Fill(Path.Combine(logDir, "filler"));

                for (var i = 0; i < 20; i++)
                {
                    await Expect.StatusAsync(await server.GetAsync("/api/v4/user"), 200);
                }

                var whileFull = new List<long>();
                for (var i = 0; i < 3; i++)
                {
                    whileFull.Add((await server.CreateTokenAsync(alice, ["api"], name: $"while full {i}")).Id);
                }

                await WaitForAsync(() => server.ServerLog.Entries.Any(e => e.Contains("could not be written to", StringComparison.Ordinal))
                    && server.ServerLog.Entries.Any(e => e.Contains("Cannot write audit events", StringComparison.Ordinal)));
                await Task.Delay(2500); // a further round of the shipper and the writer, still failing
                await Expect.StatusAsync(await server.GetAsync("/api/v4/user"), 200);
                Assert.Single(server.ServerLog.Entries, e => e.Contains("could not be written to", StringComparison.Ordinal));
                Assert.Single(server.ServerLog.Entries, e => e.Contains("Cannot write audit events", StringComparison.Ordinal));
                Assert.DoesNotContain(server.ServerLog.Entries, e => e.Contains("   at ", StringComparison.Ordinal));
                // The readiness probe says so while it lasts. (The audit shipper may get its few lines into
                // what a truncated partial line freed, so only the request log's check is certain here.)
                var probe = await server.GetAsync("/-/readiness?all=1", token: null);
                Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, probe.StatusCode);
                var checks = JsonNode.Parse(await probe.Content.ReadAsStringAsync())!;
                Assert.Equal("failed", (string?)checks["api_log_check"]![0]!["status"]);
                Assert.Equal("ok", (string?)checks["db_check"]![0]!["status"]);

                File.Delete(Path.Combine(logDir, "filler"));
                await Expect.StatusAsync(await server.GetAsync("/api/v4/users/1"), 200);
                await server.LogLineAsync(l => (string?)l["path"] == "/api/v4/users/1");
                await WaitForAsync(() => whileFull.All(id => AuditLines(logDir).Any(l => (long?)l["target_id"] == id && (string?)l["event_name"] == "personal_access_token_created")));
                await WaitForAsync(() => server.ServerLog.Entries.Any(e => e.Contains("line(s) were lost meanwhile", StringComparison.Ordinal)));
                await AuditTrail.AssertEveryEventShippedOnceAsync(server.Settings.Database, logDir);
                await WaitForAsync(async () => (await server.GetAsync("/-/readiness?all=1", token: null)).IsSuccessStatusCode);
            }

            // Every line of both logs is whole.
            foreach (var line in await File.ReadAllLinesAsync(Path.Combine(logDir, "api_json.log")))
            {
                Assert.IsType<JsonObject>(JsonNode.Parse(line));
            }
        }
        finally
        {
            Run("umount", "-l", logDir);
        }
    }

    private static List<JsonObject> AuditLines(string logDir)
    {
        var path = Path.Combine(logDir, "audit_json.log");
        return File.Exists(path) ? File.ReadAllLines(path).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList() : [];
    }

    /// <summary>Writes until the file system has not one byte left.</summary>
    private static void Fill(string path)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        var chunk = new byte[4096];
        try
        {
            while (true)
            {
                file.Write(chunk);
            }
        }
        catch (IOException)
        {
        }

        try
        {
            while (true)
            {
                file.Write(chunk.AsSpan(0, 1));
            }
        }
        catch (IOException)
        {
        }
    }

    private static Task WaitForAsync(Func<bool> condition) => WaitForAsync(() => Task.FromResult(condition()));

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = Deadline.InSeconds(15);
        while (!await condition())
        {
            Assert.True(!deadline.Passed, "timed out");
            await Task.Delay(50);
        }
    }

    private static void Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} failed ({error.Trim()}); this test needs root to mount a tmpfs");
    }
}
