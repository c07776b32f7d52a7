using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Tokenward.Storage.Sqlite;

/// <summary>
/// Per-connection SQLite settings: a 32 MB page cache instead of the default 2 MB, so a report
/// scanning a million-token index does not read most pages twice. Memory-mapped I/O would be a
/// little faster still, but makes the process's resident size grow with the database.
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    public static readonly SqlitePragmas Instance = new();

    private const string Pragmas = "PRAGMA cache_size = -32768;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default) =>
        ApplyAsync(connection, cancellationToken);

    /// <summary>For connections opened without EF Core.</summary>
    public static async Task ApplyAsync(DbConnection connection, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(ct);
    }
}
