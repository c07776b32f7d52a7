using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Cli;

/// <summary><c>tokenward backup</c> and <c>restore</c> on SQLite: a consistent copy while serving, and tokens that still authenticate from it.</summary>
public sealed class BackupTests : TempDir
{
    [Fact]
    public async Task A_backup_taken_under_load_restores_into_a_new_folder_where_every_token_still_authenticates()
    {
        await using var server = await TestServer.StartAsync();
        var alice = await server.CreateUserAsync("alice");
        var tokens = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            tokens.Add((await server.CreateTokenAsync(alice, ["api"], name: $"before {i}")).Token);
        }

        using var stop = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                await server.CreateTokenAsync(alice, ["read_api"], name: $"during {n}");
            }
        });
        var backupDir = Path.Combine(Dir, "backup");
        TokenwardProcess.Result backup;
        try
        {
            backup = await TokenwardProcess.RunAsync(null, "backup", "--data-dir", server.Dir, "--to", backupDir);
        }
        finally
        {
            await stop.CancelAsync();
            await load;
        }

        Assert.True(backup.ExitCode == 0, backup.Stderr);
        Assert.True(File.Exists(Path.Combine(backupDir, "secrets.json")));

        var restored = Path.Combine(Dir, "restored");
        var restore = await TokenwardProcess.RunAsync(null, "restore", "--data-dir", restored, "--from", backupDir);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        await using (var second = await TestServer.StartAsync(configure: s => s with { DataDir = restored, Database = DatabaseTarget.SqliteIn(restored), LogDir = Path.Combine(restored, "log") }))
        {
            foreach (var token in tokens)
            {
                await Expect.StatusAsync(await second.GetAsync("/api/v4/personal_access_tokens/self", token), 200);
            }

            // Whatever of the load made it in is whole: a token row and its audit event, or neither.
            await using var scope = second.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
            var ids = await db.PersonalAccessTokens.Where(t => t.Name.StartsWith("during")).Select(t => t.Id).ToListAsync();
            var audited = await db.AuditEvents.Where(e => e.EventName == "personal_access_token_created" && ids.Contains(e.TargetId!.Value)).CountAsync();
            Assert.Equal(ids.Count, audited);
        }

        var again = await TokenwardProcess.RunAsync(null, "restore", "--data-dir", restored, "--from", backupDir);
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("already holds a Tokenward instance", again.Stderr, StringComparison.Ordinal);
        var intoUsed = await TokenwardProcess.RunAsync(null, "backup", "--data-dir", server.Dir, "--to", backupDir);
        Assert.NotEqual(0, intoUsed.ExitCode);
        Assert.Contains("is not empty", intoUsed.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_backup_or_one_without_its_secret_is_refused_and_nothing_is_restored()
    {
        await using var server = await TestServer.StartAsync();
        var backupDir = Path.Combine(Dir, "backup");
        Assert.Equal(0, (await TokenwardProcess.RunAsync(null, "backup", "--data-dir", server.Dir, "--to", backupDir)).ExitCode);

        var database = Path.Combine(backupDir, "tokenward.sqlite3");
        await using (var file = File.OpenWrite(database))
        {
            file.Seek(4096, SeekOrigin.Begin);
            await file.WriteAsync(new byte[8192]);
        }

        var target = Path.Combine(Dir, "restored");
        var damaged = await TokenwardProcess.RunAsync(null, "restore", "--data-dir", target, "--from", backupDir);
        Assert.NotEqual(0, damaged.ExitCode);
        Assert.False(File.Exists(Path.Combine(target, "tokenward.sqlite3")));

        File.Delete(Path.Combine(backupDir, "secrets.json"));
        var noSecret = await TokenwardProcess.RunAsync(null, "restore", "--data-dir", Path.Combine(Dir, "other"), "--from", backupDir);
        Assert.NotEqual(0, noSecret.ExitCode);
        Assert.Contains("without the instance secret", noSecret.Stderr, StringComparison.Ordinal);
    }
}
