using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;
using Tokenward.Storage.Engines;
using Tokenward.Storage.Migrations;
using Tokenward.Toolkit;

namespace Tokenward.Storage.Postgres;

/// <summary>PostgreSQL: a server several Tokenward processes share, with advisory locks between them.</summary>
public sealed class PostgresEngine : IStorageEngine
{
    public static readonly PostgresEngine Instance = new();

    /// <summary>The migrator's advisory lock: arbitrary but fixed, so every Tokenward process agrees on it.</summary>
    public const long MigrationLockKey = 0x546f6b656e77;

    /// <summary>
    /// How PostgreSQL should plan a row report: rows stream to a process that formats them as they
    /// come, so the plan should read the tokens in expiry order from the index. With the default
    /// costs (a random read at 4 sequential ones, made for spinning disks) and parallel workers,
    /// PostgreSQL reads every token and sorts the day's hundred thousand instead: no row before
    /// all are sorted, and the workers take the cores the report is written on (0.64 against
    /// 0.44 s for the backfill day). 1.1 is the usual cost for SSDs and cached tables. Set with
    /// SET LOCAL, so only the report's own transaction plans this way; the date counts, an
    /// aggregate, keep the server's settings and its parallel workers.
    /// </summary>
    public const string StreamingSettings = "SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL random_page_cost = 1.1";

    private PostgresEngine()
    {
    }

    public DatabaseEngine Engine => DatabaseEngine.Postgres;

    public bool InDataFolder => false;

    public int RowsPerInsert => 200; // fewer round trips

    public DbConnection CreateConnection(string connectionString) => new NpgsqlConnection(connectionString);

    public Task PrepareAsync(DbConnection connection, CancellationToken ct) => Task.CompletedTask;

    public void UseWith(DbContextOptionsBuilder options, string connectionString) => options.UseNpgsql(connectionString);

    public bool IsUnavailable(Exception e) => e switch
    {
        // Class 08: connection exceptions; 57P0x: shutting down or starting up; 53: out of resources (too many connections).
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P0", StringComparison.Ordinal)
            || pg.SqlState.StartsWith("53", StringComparison.Ordinal),
        // Not an error the server sent: the connection failed or timed out.
        NpgsqlException npgsql => npgsql.IsTransient,
        _ => false,
    };

    public string Describe(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return $"PostgreSQL {b.Username}@{b.Host}:{b.Port}/{b.Database}";
    }

    public string SqlOf(Migration migration) => migration.Postgres;

    public void CreateStore(string connectionString)
    {
        // The server has the database already: creating one is its administrator's call.
    }

    public async Task RequireSchemaAsync(DatabaseTarget target, CancellationToken ct)
    {
        await using var connection = CreateConnection(target.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT to_regclass('schema_migrations') IS NOT NULL;";
        if (await command.ExecuteScalarAsync(ct) is not true)
        {
            throw new SchemaException(
                $"the PostgreSQL database {Describe(target.ConnectionString)} has no Tokenward schema: check --database (or TOKENWARD_DATABASE); only 'tokenward serve' or 'tokenward init' creates one.");
        }
    }

    public async Task BeginMigrationAsync(DbConnection connection, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT pg_advisory_lock({MigrationLockKey});";
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task EndMigrationAsync(DbConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT pg_advisory_unlock({MigrationLockKey});";
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    public Task<IAsyncDisposable?> TryLockAsync(DatabaseTarget target, string dataDir, string name, long key, CancellationToken ct) =>
        PostgresSessionLock.TryAcquireAsync(target.ConnectionString, key, ct);

    public async Task OrderCommitsAsync(DatabaseFacade database, long key, CancellationToken ct) =>
        await database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({key})", ct);

    public string Contains(string column, string parameter) => $"strpos({column}, {parameter}) > 0";

    public object DateValue(DateOnly date) => date;

    public DateOnly ReadDate(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateOnly>(ordinal);

    public async Task ResetIdentityAsync(DatabaseFacade database, string table, CancellationToken ct)
    {
        // A table name cannot be a parameter: only Tokenward's own, plain names come here.
        if (!table.All(c => c is (>= 'a' and <= 'z') or '_'))
        {
            throw new ArgumentException($"not a table name: {table}", nameof(table));
        }

        // Inserting ids explicitly does not move the identity sequence.
        await database.ExecuteSqlRawAsync(string.Concat("SELECT setval(pg_get_serial_sequence('", table, "', 'id'), (SELECT MAX(id) FROM ", table, "));"), ct);
    }

    public async IAsyncEnumerable<ReportRow> ReadReportAsync(DbConnection connection, SqlStatement statement, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        // Planner settings for this report's transaction alone (StreamingSettings).
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var settings = connection.CreateCommand())
        {
            settings.Transaction = transaction;
            settings.CommandText = StreamingSettings;
            await settings.ExecuteNonQueryAsync(ct);
        }

        await using var command = statement.CreateCommand(connection);
        command.Transaction = transaction;
        await using var reader = await command.ExecuteReaderAsync(ct);
        var owners = new ReportOwners();
        while (await reader.ReadAsync(ct))
        {
            yield return PostgresReportRows.Row(reader, owners);
        }
    }
}
