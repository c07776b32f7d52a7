using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Tokenward.Storage.Migrations;

/// <summary>
/// Applies <see cref="Schema.Migrations"/> in order, each in its own transaction, recording them in
/// <c>schema_migrations</c> (as GitLab does). Safe when several processes start at once.
/// </summary>
public static class Migrator
{
    // Arbitrary but fixed: every Tokenward process agrees on it.
    private const long PostgresLockKey = 0x546f6b656e77;

    public static Task<int> MigrateAsync(DatabaseTarget target, CancellationToken ct) =>
        MigrateAsync(target, Schema.Migrations, ct);

    /// <summary>
    /// Brings an existing Tokenward database up to date, refusing to create one: a report on a
    /// mistyped <c>--data-dir</c> must not answer "0 tokens" from a database it just made.
    /// </summary>
    /// <exception cref="SchemaException">when there is no Tokenward database there.</exception>
    public static async Task<int> MigrateExistingAsync(DatabaseTarget target, CancellationToken ct)
    {
        if (target.Engine == DatabaseEngine.Sqlite)
        {
            var file = new SqliteConnectionStringBuilder(target.ConnectionString).DataSource;
            if (!File.Exists(file))
            {
                throw new SchemaException(
                    $"no Tokenward database at {Path.GetFullPath(file)}: check --data-dir (or TOKENWARD_DATA_DIR); only 'tokenward serve' or 'tokenward init' creates one.");
            }
        }
        else
        {
            await using var connection = target.CreateConnection();
            await connection.OpenAsync(ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT to_regclass('schema_migrations') IS NOT NULL;";
            if (await command.ExecuteScalarAsync(ct) is not true)
            {
                throw new SchemaException(
                    $"the PostgreSQL database {target.Describe()} has no Tokenward schema: check --database (or TOKENWARD_DATABASE); only 'tokenward serve' or 'tokenward init' creates one.");
            }
        }

        return await MigrateAsync(target, Schema.Migrations, ct);
    }

    /// <returns>How many steps were applied.</returns>
    /// <exception cref="SchemaException">when the database holds steps this build does not know.</exception>
    public static async Task<int> MigrateAsync(DatabaseTarget target, IReadOnlyList<Migration> migrations, CancellationToken ct)
    {
        if (target.Engine == DatabaseEngine.Sqlite)
        {
            var file = new SqliteConnectionStringBuilder(target.ConnectionString).DataSource;
            var dir = Path.GetDirectoryName(Path.GetFullPath(file));
            if (dir is not null)
            {
                Directory.CreateDirectory(dir);
            }
        }

        await using var connection = target.CreateConnection();
        await connection.OpenAsync(ct);
        if (target.Engine == DatabaseEngine.Sqlite)
        {
            // WAL lets readers (every authenticated request) go on while a writer commits.
            await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL;", ct);
        }
        else
        {
            await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({PostgresLockKey});", ct);
        }

        try
        {
            await ExecuteAsync(connection, null, "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY);", ct);
            var applied = 0;
            var known = migrations.Select(m => m.Version).ToHashSet(StringComparer.Ordinal);
            var present = await AppliedAsync(connection, null, ct);
            var unknown = present.Where(v => !known.Contains(v)).Order(StringComparer.Ordinal).ToList();
            if (unknown.Count > 0)
            {
                throw new SchemaException(
                    $"The database has schema versions this tokenward does not know ({string.Join(", ", unknown)}); it was migrated by a newer release. Run that release or newer.");
            }

            // Those already applied need no transaction: every CLI command starts here.
            foreach (var migration in migrations.Where(m => !present.Contains(m.Version)).OrderBy(m => m.Version, StringComparer.Ordinal))
            {
                await using var tx = await connection.BeginTransactionAsync(ct);
                // Another process may have applied it since (SQLite has no advisory lock).
                if ((await AppliedAsync(connection, tx, ct)).Contains(migration.Version))
                {
                    continue;
                }

                await ExecuteAsync(connection, tx, migration.SqlFor(target.Engine), ct);
                await using (var insert = connection.CreateCommand())
                {
                    insert.Transaction = tx;
                    insert.CommandText = "INSERT INTO schema_migrations (version) VALUES (@v);";
                    var p = insert.CreateParameter();
                    p.ParameterName = "v";
                    p.Value = migration.Version;
                    insert.Parameters.Add(p);
                    await insert.ExecuteNonQueryAsync(ct);
                }

                await tx.CommitAsync(ct);
                applied++;
            }

            return applied;
        }
        finally
        {
            if (target.Engine == DatabaseEngine.Postgres)
            {
                await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({PostgresLockKey});", CancellationToken.None);
            }
        }
    }

    private static async Task<HashSet<string>> AppliedAsync(DbConnection connection, DbTransaction? tx, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT version FROM schema_migrations;";
        var versions = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            versions.Add(reader.GetString(0));
        }

        return versions;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? tx, string sql, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
