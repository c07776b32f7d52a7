using System.Data.Common;
using Tokenward.Storage;
using Tokenward.Storage.Migrations;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Storage;

public sealed class MigrationTests : TempDir
{
    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task An_empty_database_gets_gitlabs_tables_and_a_second_run_changes_nothing(DatabaseEngine engine)
    {
        var target = Engines.Fresh(engine, Dir);
        Assert.Equal(Schema.Migrations.Count, await Migrator.MigrateAsync(target, CancellationToken.None));
        Assert.Equal(0, await Migrator.MigrateAsync(target, CancellationToken.None));

        await using var connection = target.CreateConnection();
        await connection.OpenAsync();
        var columns = await ScalarListAsync(connection, engine == DatabaseEngine.Sqlite
            ? "SELECT name FROM pragma_table_info('personal_access_tokens')"
            : "SELECT column_name FROM information_schema.columns WHERE table_name = 'personal_access_tokens'");
        foreach (var column in new[] { "id", "user_id", "name", "description", "token_digest", "scopes", "revoked", "impersonation", "expires_at", "last_used_at", "created_at", "updated_at" })
        {
            Assert.Contains(column, columns);
        }

        Assert.Equal(Schema.Migrations.Select(m => m.Version), await ScalarListAsync(connection, "SELECT version FROM schema_migrations ORDER BY version"));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Commands_other_than_init_and_serve_refuse_a_schema_behind_them_and_change_nothing(DatabaseEngine engine)
    {
        var target = Engines.Fresh(engine, Dir);
        var older = Schema.Migrations.Take(Schema.Migrations.Count - 1).ToList();
        await Migrator.MigrateAsync(target, older, CancellationToken.None);
        var e = await Assert.ThrowsAsync<SchemaException>(() => Migrator.RequireCurrentAsync(target, CancellationToken.None));
        Assert.Contains($"1 step(s) behind this tokenward (next: {Schema.Migrations[^1].Version}", e.Message, StringComparison.Ordinal);

        await using (var connection = target.CreateConnection())
        {
            await connection.OpenAsync();
            Assert.Equal(older.Select(m => m.Version), await ScalarListAsync(connection, "SELECT version FROM schema_migrations ORDER BY version"));
        }

        await Migrator.MigrateAsync(target, CancellationToken.None);
        await Migrator.RequireCurrentAsync(target, CancellationToken.None);
    }

    [Fact]
    public async Task A_newer_cli_tells_how_to_upgrade_instead_of_upgrading_and_init_upgrades()
    {
        var target = Engines.Fresh(DatabaseEngine.Sqlite, Dir);
        await Migrator.MigrateAsync(target, Schema.Migrations.Take(Schema.Migrations.Count - 1).ToList(), CancellationToken.None);
        var refused = await Cli.TokenwardProcess.RunAsync(null, "audit", "list", "--data-dir", Dir);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("Upgrade it first with 'tokenward init'", refused.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", refused.Stderr, StringComparison.Ordinal);

        Assert.Equal(0, (await Cli.TokenwardProcess.RunAsync(null, "init", "--data-dir", Dir)).ExitCode);
        var listed = await Cli.TokenwardProcess.RunAsync(null, "audit", "list", "--data-dir", Dir);
        Assert.True(listed.ExitCode == 0, listed.Stderr);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_later_migration_keeps_the_rows_of_an_older_schema(DatabaseEngine engine)
    {
        var target = Engines.Fresh(engine, Dir);
        await Migrator.MigrateAsync(target, CancellationToken.None);
        await using (var connection = target.CreateConnection())
        {
            await connection.OpenAsync();
            await ExecuteAsync(connection, "INSERT INTO users (username, email, name, created_at, updated_at) VALUES ('old', 'old@example.com', 'Old', '2020-01-01 00:00:00', '2020-01-01 00:00:00')");
        }

        var next = Schema.Migrations.Append(new Migration(
            "29991231000000",
            "add a column",
            "ALTER TABLE users ADD COLUMN note TEXT NULL;",
            "ALTER TABLE users ADD COLUMN note text NULL;")).ToList();
        Assert.Equal(1, await Migrator.MigrateAsync(target, next, CancellationToken.None));

        await using var after = target.CreateConnection();
        await after.OpenAsync();
        Assert.Equal(["old"], await ScalarListAsync(after, "SELECT username FROM users"));

        // The older build refuses the newer schema instead of running on it.
        var e = await Assert.ThrowsAsync<SchemaException>(() => Migrator.MigrateAsync(target, CancellationToken.None));
        Assert.Contains("29991231000000", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_failing_migration_leaves_nothing_half_applied(DatabaseEngine engine)
    {
        var target = Engines.Fresh(engine, Dir);
        var broken = Schema.Migrations.Append(new Migration(
            "29991231000001",
            "broken",
            "CREATE TABLE half_done (id INTEGER); SELECT * FROM no_such_table;",
            "CREATE TABLE half_done (id integer); SELECT * FROM no_such_table;")).ToList();
        await Assert.ThrowsAnyAsync<DbException>(() => Migrator.MigrateAsync(target, broken, CancellationToken.None));

        await using var connection = target.CreateConnection();
        await connection.OpenAsync();
        var tables = await ScalarListAsync(connection, engine == DatabaseEngine.Sqlite
            ? "SELECT name FROM sqlite_master WHERE type = 'table'"
            : "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
        Assert.DoesNotContain("half_done", tables);
        Assert.Contains("users", tables);
        Assert.DoesNotContain("29991231000001", await ScalarListAsync(connection, "SELECT version FROM schema_migrations"));
    }

    [Fact]
    public async Task Concurrent_starts_migrate_once()
    {
        var target = Engines.Fresh(DatabaseEngine.Postgres, Dir);
        var applied = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Migrator.MigrateAsync(target, CancellationToken.None)));
        Assert.Equal(Schema.Migrations.Count, applied.Sum());
    }

    private static async Task<List<string>> ScalarListAsync(DbConnection connection, string sql)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        await using var reader = await cmd.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }
}
