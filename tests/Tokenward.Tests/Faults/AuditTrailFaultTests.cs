using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Tokenward.Storage;
using Tokenward.Tests.Cli;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Faults;

/// <summary>
/// Real processes killed with SIGKILL mid-change, then run again: every change has its audit
/// event, and every event is in <c>audit_json.log</c> exactly once.
/// </summary>
public sealed class AuditTrailFaultTests : TempDir
{
    private const int Tokens = 20_000;

    private string[] DatabaseArgs(DatabaseTarget database) => Engines.CliArgs(database, Dir);

    private static Task<TokenwardDb> OpenAsync(DatabaseTarget database) => AuditTrail.OpenAsync(database);

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_bulk_extend_killed_and_rerun_leaves_every_change_with_one_event_and_one_line(DatabaseEngine engine)
    {
        var database = Engines.Fresh(engine, Dir);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var expiringOn = today.AddDays(30);
        var target = today.AddDays(90);
        // init creates the schema; audit ship makes the log folder one CLI processes ship to.
        Assert.Equal(0, (await TokenwardProcess.RunAsync(null, ["init", .. DatabaseArgs(database)])).ExitCode);
        var migrated = await TokenwardProcess.RunAsync(null, ["audit", "ship", .. DatabaseArgs(database)]);
        Assert.True(migrated.ExitCode == 0, migrated.Stderr);
        await using (var db = await OpenAsync(database))
        {
            var now = DateTime.UtcNow;
            var owner = new User { Username = "bulk", Email = "bulk@example.com", Name = "Bulk", CreatedAt = now, UpdatedAt = now };
            db.Users.Add(owner);
            await db.SaveChangesAsync();
            await SeededTokens.AddAsync(db, owner.Id, Enumerable.Repeat<DateOnly?>(expiringOn, Tokens), "bulk");
        }

        string[] extend = ["tokens", "extend", "--expiring-on", expiringOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "--to", target.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "--yes", .. DatabaseArgs(database)];
        var first = Process.Start(TokenwardProcess.StartInfo(null, extend))!;
        try
        {
            first.OutputDataReceived += (_, _) => { };
            first.ErrorDataReceived += (_, _) => { };
            first.BeginOutputReadLine();
            first.BeginErrorReadLine();
            // Killed once its first batches have committed, in the middle of the run.
            await using var db = await OpenAsync(database);
            var deadline = Deadline.InSeconds(60);
            while (await db.PersonalAccessTokens.CountAsync(t => t.ExpiresAt == target) < 2_000)
            {
                Assert.True(!deadline.Passed && !first.HasExited, "the extend ended or stalled before it could be killed");
                await Task.Delay(10);
            }

            first.Kill();
            await first.WaitForExitAsync();
            Assert.True(await db.PersonalAccessTokens.CountAsync(t => t.ExpiresAt == target) < Tokens, "the extend finished before the kill");
        }
        finally
        {
            if (!first.HasExited)
            {
                first.Kill(entireProcessTree: true);
            }

            first.Dispose();
        }

        var rerun = await TokenwardProcess.RunAsync(null, extend);
        Assert.True(rerun.ExitCode == 0, rerun.Stderr);

        await using (var db = await OpenAsync(database))
        {
            Assert.Equal(Tokens, await db.PersonalAccessTokens.CountAsync(t => t.ExpiresAt == target));
            var changed = await db.AuditEvents.Where(e => e.EventName == "personal_access_token_expiry_changed").Select(e => e.TargetId).ToListAsync();
            Assert.Equal(Tokens, changed.Count);
            Assert.Equal(Tokens, changed.Distinct().Count());
        }

        await AuditTrail.AssertEveryEventShippedOnceAsync(database, Path.Combine(Dir, "log"));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_server_killed_during_a_burst_of_creations_loses_no_event_and_writes_each_line_once(DatabaseEngine engine)
    {
        var database = Engines.Fresh(engine, Dir);
        var port = Ports.Free();
        var url = new Uri($"http://127.0.0.1:{port}");
        var env = new Dictionary<string, string> { ["TOKENWARD_INITIAL_ROOT_TOKEN"] = TestServer.RootToken };
        string[] serve = ["serve", "--urls", url.ToString(), .. DatabaseArgs(database)];
        using var client = new HttpClient { BaseAddress = url };
        client.DefaultRequestHeaders.Add("PRIVATE-TOKEN", TestServer.RootToken);

        var created = 0;
        await using (var server = await ServeProcess.StartAsync(env, serve, url))
        {
            using var stop = new CancellationTokenSource();
            var burst = Enumerable.Range(0, 6).Select(worker => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        using var response = await client.PostAsJsonAsync("/api/v4/users/1/personal_access_tokens", new { name = $"burst {worker}-{i}", scopes = new[] { "api" } });
                        if (response.StatusCode == HttpStatusCode.Created)
                        {
                            Interlocked.Increment(ref created);
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return;
                    }
                }
            })).ToList();
            var deadline = Deadline.InSeconds(60);
            while (Volatile.Read(ref created) < 150)
            {
                Assert.True(!deadline.Passed, "the burst did not get going");
                await Task.Delay(10);
            }

            server.Signal("KILL");
            await stop.CancelAsync();
            await Task.WhenAll(burst);
        }

        // The next server ships what the killed one committed, and nothing twice.
        await using (var again = await ServeProcess.StartAsync(env, serve, url))
        {
            await again.StopAsync();
        }

        await using (var db = await OpenAsync(database))
        {
            var tokens = await db.PersonalAccessTokens.Where(t => t.Name.StartsWith("burst ")).Select(t => t.Id).OrderBy(id => id).ToListAsync();
            Assert.True(tokens.Count >= created, $"{created} creations answered 201, {tokens.Count} tokens stored");
            var events = await db.AuditEvents.Where(e => e.EventName == "personal_access_token_created" && e.TargetId != 1).Select(e => e.TargetId!.Value).OrderBy(id => id).ToListAsync();
            Assert.Equal(tokens, events);
        }

        await AuditTrail.AssertEveryEventShippedOnceAsync(database, Path.Combine(Dir, "log"));
    }

    [Fact]
    public async Task An_operator_reships_a_range_and_a_cli_process_ships_what_it_committed()
    {
        var logDir = Path.Combine(Dir, "log");
        await using (var server = await TestServer.StartAsync(configure: s => s with { DataDir = Dir, Database = DatabaseTarget.SqliteIn(Dir), LogDir = logDir }))
        {
            var alice = await server.CreateUserAsync("alice");
            await server.CreateTokenAsync(alice, ["api"]);
        }

        var database = DatabaseTarget.SqliteIn(Dir);
        await AuditTrail.AssertEveryEventShippedOnceAsync(database, logDir);
        var before = (await File.ReadAllLinesAsync(Path.Combine(logDir, "audit_json.log"))).Length;

        // A CLI change ships its own event on the way out.
        var rotated = await TokenwardProcess.RunAsync(null, ["tokens", "rotate", "--id", "2", "--yes", "--data-dir", Dir]);
        Assert.True(rotated.ExitCode == 0, rotated.Stderr);
        await AuditTrail.AssertEveryEventShippedOnceAsync(database, logDir);
        var after = (await File.ReadAllLinesAsync(Path.Combine(logDir, "audit_json.log"))).Length;
        Assert.True(after > before);

        var reship = await TokenwardProcess.RunAsync(null, ["audit", "ship", "--from-id", "2", "--data-dir", Dir]);
        Assert.True(reship.ExitCode == 0, reship.Stderr);
        Assert.Equal($"Wrote {after - 1} audit event line(s) to {Path.Combine(logDir, "audit_json.log")}.", reship.Stdout.Trim());
        var ids = (await File.ReadAllLinesAsync(Path.Combine(logDir, "audit_json.log"))).Select(l => (long)System.Text.Json.Nodes.JsonNode.Parse(l)!["id"]!).ToList();
        Assert.Equal(Enumerable.Range(1, after).Concat(Enumerable.Range(2, after - 1)).Select(i => (long)i), ids);

        // Rotated away by a move: the next event starts the new file, nothing is written twice.
        File.Move(Path.Combine(logDir, "audit_json.log"), Path.Combine(logDir, "audit_json.log.1"));
        var revoked = await TokenwardProcess.RunAsync(null, ["tokens", "revoke", "--id", "1", "--yes", "--data-dir", Dir]);
        Assert.True(revoked.ExitCode == 0, revoked.Stderr);
        var fresh = await File.ReadAllLinesAsync(Path.Combine(logDir, "audit_json.log"));
        Assert.Equal("personal_access_token_revoked", (string?)System.Text.Json.Nodes.JsonNode.Parse(Assert.Single(fresh))!["event_name"]);

        var nothing = await TokenwardProcess.RunAsync(null, ["audit", "ship", "--data-dir", Dir]);
        Assert.Equal("Wrote 0 audit event line(s) to " + Path.Combine(logDir, "audit_json.log") + ".", nothing.Stdout.Trim());
        var bad = await TokenwardProcess.RunAsync(null, ["audit", "ship", "--from-id", "0", "--data-dir", Dir]);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("--from-id must be a positive event id", bad.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_server_on_one_sqlite_data_folder_refuses_to_start()
    {
        var port = Ports.Free();
        var url = new Uri($"http://127.0.0.1:{port}");
        await using var first = await ServeProcess.StartAsync(new Dictionary<string, string>(), ["serve", "--urls", url.ToString(), "--data-dir", Dir], url);
        var second = await TokenwardProcess.RunAsync(null, ["serve", "--urls", $"http://127.0.0.1:{Ports.Free()}", "--data-dir", Dir]);
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("another tokenward serve", second.Stderr, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(Dir, "tokenward.lock"), second.Stderr, StringComparison.Ordinal);
        Assert.Contains("use PostgreSQL (--database)", second.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", second.Stderr, StringComparison.Ordinal);

        // Once the first is gone, even killed, the folder is free again.
        first.Signal("KILL");
        await first.StopAsync();
        await using var third = await ServeProcess.StartAsync(new Dictionary<string, string>(), ["serve", "--urls", url.ToString(), "--data-dir", Dir], url);
    }
}
