using Npgsql;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Cli;

/// <summary>What happens to <c>serve</c> before it listens.</summary>
public sealed class ServeStartTests : TempDir
{
    [Fact]
    public async Task A_sighup_from_logrotate_while_the_database_migrates_does_not_end_the_process()
    {
        var database = PostgresServer.Instance.CreateDatabase();
        await using var holder = new NpgsqlConnection(database);
        await holder.OpenAsync();
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({Tokenward.Storage.Postgres.PostgresEngine.MigrationLockKey})", holder))
        {
            await take.ExecuteNonQueryAsync();
        }

        var url = new Uri($"http://127.0.0.1:{Ports.Free()}");
        await using var serve = ServeProcess.Launch(
            new Dictionary<string, string> { ["TOKENWARD_INITIAL_ROOT_TOKEN"] = TestServer.RootToken },
            ["serve", "--urls", url.ToString(), "--data-dir", Dir, "--database", database], url);

        // Wait until serve is in its migration, waiting for the lock this test holds.
        var deadline = Deadline.InSeconds(30);
        await using (var waiting = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", holder))
        {
            while ((long)(await waiting.ExecuteScalarAsync())! == 0)
            {
                Assert.True(!deadline.Passed && serve.ExitCode is null, "serve never waited for the migration lock");
                await Task.Delay(50);
            }
        }

        serve.Signal("HUP");
        serve.Signal("HUP");
        await Task.Delay(500);
        Assert.Null(serve.ExitCode);

        await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({Tokenward.Storage.Postgres.PostgresEngine.MigrationLockKey})", holder))
        {
            await release.ExecuteNonQueryAsync();
        }

        await serve.WaitUntilHealthyAsync();
        using var client = new HttpClient { BaseAddress = url };
        client.DefaultRequestHeaders.Add("PRIVATE-TOKEN", TestServer.RootToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync(new Uri("/api/v4/user", UriKind.Relative))).StatusCode);
    }
}
