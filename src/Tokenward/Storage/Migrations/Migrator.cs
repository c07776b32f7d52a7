using System.Data.Common;

namespace Tokenward.Storage.Migrations;

/// <summary>
/// Applies <see cref="Schema.Migrations"/> in order, each in its own transaction, recording them in
/// <c>schema_migrations</c> (as GitLab does). Safe when several processes start at once.
/// </summary>
public static class Migrator
{
    public static Task<int> MigrateAsync(DatabaseTarget target, CancellationToken ct) =>
        MigrateAsync(target, Schema.Migrations, ct);

    /// <summary>
    /// Brings an existing Tokenward database up to date, refusing to create one: a report on a
    /// mistyped <c>--data-dir</c> must not answer "0 tokens" from a database it just made.
    /// </summary>
    /// <exception cref="SchemaException">when there is no Tokenward database there.</exception>
    public static async Task<int> MigrateExistingAsync(DatabaseTarget target, CancellationToken ct)
    {
        await target.Storage.RequireSchemaAsync(target, ct);
        return await MigrateAsync(target, Schema.Migrations, ct);
    }

    /// <summary>
    /// Checks that an existing Tokenward database is at this build's schema, changing nothing: CLI
    /// commands other than <c>init</c> and <c>restore</c> do not migrate, so a newer CLI run against
    /// a running installation cannot upgrade it by accident (GitLab's migrations are a step of
    /// their own too).
    /// </summary>
    /// <exception cref="SchemaException">when there is no database, or its schema is older or newer than this build's.</exception>
    public static async Task RequireCurrentAsync(DatabaseTarget target, CancellationToken ct)
    {
        await target.Storage.RequireSchemaAsync(target, ct);
        await using var connection = target.CreateConnection();
        await connection.OpenAsync(ct);
        HashSet<string> present;
        try
        {
            present = await AppliedAsync(connection, null, ct);
        }
        catch (DbException e) when (!target.Storage.IsUnavailable(e))
        {
            // No schema_migrations: a database file no Tokenward has set up.
            present = [];
        }

        RefuseUnknown(Schema.Migrations, present);
        var pending = Schema.Migrations.Where(m => !present.Contains(m.Version)).OrderBy(m => m.Version, StringComparer.Ordinal).ToList();
        if (pending.Count > 0)
        {
            throw new SchemaException(
                $"The database's schema is {pending.Count} step(s) behind this tokenward (next: {pending[0].Version}, {pending[0].Name}). "
                + "Upgrade it first with 'tokenward init' or by starting the upgraded 'tokenward serve'; other commands do not migrate.");
        }
    }

    private static void RefuseUnknown(IReadOnlyList<Migration> migrations, HashSet<string> present)
    {
        var known = migrations.Select(m => m.Version).ToHashSet(StringComparer.Ordinal);
        var unknown = present.Where(v => !known.Contains(v)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new SchemaException(
                $"The database has schema versions this tokenward does not know ({string.Join(", ", unknown)}); it was migrated by a newer release. Run that release or newer.");
        }
    }

    /// <returns>How many steps were applied.</returns>
    /// <exception cref="SchemaException">when the database holds steps this build does not know.</exception>
    public static async Task<int> MigrateAsync(DatabaseTarget target, IReadOnlyList<Migration> migrations, CancellationToken ct)
    {
        var engine = target.Storage;
        engine.CreateStore(target.ConnectionString);
        await using var connection = target.CreateConnection();
        await connection.OpenAsync(ct);
        await engine.BeginMigrationAsync(connection, ct);
        try
        {
            await ExecuteAsync(connection, null, "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY);", ct);
            var applied = 0;
            var present = await AppliedAsync(connection, null, ct);
            RefuseUnknown(migrations, present);

            // Those already applied need no transaction: every start of serve goes through here.
            foreach (var migration in migrations.Where(m => !present.Contains(m.Version)).OrderBy(m => m.Version, StringComparer.Ordinal))
            {
                await using var tx = await connection.BeginTransactionAsync(ct);
                // Another process may have applied it since (SQLite has no advisory lock).
                if ((await AppliedAsync(connection, tx, ct)).Contains(migration.Version))
                {
                    continue;
                }

                await ExecuteAsync(connection, tx, engine.SqlOf(migration), ct);
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
            await engine.EndMigrationAsync(connection);
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
