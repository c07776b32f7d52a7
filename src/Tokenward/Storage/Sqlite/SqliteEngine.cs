using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Tokenward.Storage.Engines;
using Tokenward.Storage.Migrations;
using Tokenward.Toolkit;

namespace Tokenward.Storage.Sqlite;

/// <summary>The embedded default: one file in the data folder, one writer at a time.</summary>
public sealed class SqliteEngine : IStorageEngine
{
    public static readonly SqliteEngine Instance = new();

    private SqliteEngine()
    {
    }

    public DatabaseEngine Engine => DatabaseEngine.Sqlite;

    public bool InDataFolder => true;

    public int RowsPerInsert => 20; // SQLite binds parameters by name with a linear search: long statements cost quadratically.

    public DbConnection CreateConnection(string connectionString) => new SqliteConnection(connectionString);

    public Task PrepareAsync(DbConnection connection, CancellationToken ct) => SqlitePragmas.ApplyAsync(connection, ct);

    public void UseWith(DbContextOptionsBuilder options, string connectionString) =>
        options.UseSqlite(connectionString).AddInterceptors(SqlitePragmas.Instance);

    /// <summary>
    /// SQLITE_BUSY (another process holds the write lock past the timeout), SQLITE_READONLY (a file
    /// system remounted read-only), SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN. Not SQLITE_LOCKED:
    /// within one connection, that is a bug.
    /// </summary>
    public bool IsUnavailable(Exception e) => e is SqliteException sqlite && sqlite.SqliteErrorCode is 5 or 8 or 10 or 13 or 14;

    public string Describe(string connectionString) => "SQLite " + File(connectionString);

    public string SqlOf(Migration migration) => migration.Sqlite;

    public void CreateStore(string connectionString)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(File(connectionString))) is { } dir)
        {
            Directory.CreateDirectory(dir);
        }
    }

    public Task RequireSchemaAsync(DatabaseTarget target, CancellationToken ct)
    {
        var file = File(target.ConnectionString);
        return System.IO.File.Exists(file) ? Task.CompletedTask : throw new SchemaException(
            $"no Tokenward database at {Path.GetFullPath(file)}: check --data-dir (or TOKENWARD_DATA_DIR); only 'tokenward serve' or 'tokenward init' creates one.");
    }

    public async Task BeginMigrationAsync(DbConnection connection, CancellationToken ct)
    {
        // WAL lets readers (every authenticated request) go on while a writer commits. SQLite
        // has no advisory lock: each step checks in its transaction whether another applied it.
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        await command.ExecuteNonQueryAsync(ct);
    }

    public Task EndMigrationAsync(DbConnection connection) => Task.CompletedTask;

    public Task<IAsyncDisposable?> TryLockAsync(DatabaseTarget target, string dataDir, string name, long key, CancellationToken ct)
    {
        Directory.CreateDirectory(dataDir);
        try
        {
            return Task.FromResult<IAsyncDisposable?>(new FileStream(Path.Combine(dataDir, $"{name}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e) when ((e.HResult & 0xFFFF) is 11 or 35)
        {
            // EWOULDBLOCK (Linux 11, macOS 35): another process holds it.
            return Task.FromResult<IAsyncDisposable?>(null);
        }
    }

    public Task OrderCommitsAsync(DatabaseFacade database, long key, CancellationToken ct) => Task.CompletedTask;

    public string Contains(string column, string parameter) => $"instr({column}, {parameter}) > 0";

    public object DateValue(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public DateOnly ReadDate(DbDataReader reader, int ordinal) =>
        DateOnly.ParseExact(reader.GetString(ordinal), "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public Task ResetIdentityAsync(DatabaseFacade database, string table, CancellationToken ct) => Task.CompletedTask;

    // SQLite's C API answers synchronously, in process.
    public IAsyncEnumerable<ReportRow> ReadReportAsync(DbConnection connection, SqlStatement statement, CancellationToken ct) =>
        SqliteReportRows.Read((SqliteConnection)connection, statement, ct).ToAsyncEnumerable();

    private static string File(string connectionString) => new SqliteConnectionStringBuilder(connectionString).DataSource;
}
