using Microsoft.Data.Sqlite;
using Npgsql;

namespace Tokenward.Storage;

/// <summary>
/// Tells a database that cannot answer now (PostgreSQL down, restarting or refusing connections;
/// SQLite's file locked past the timeout, unreadable or on a full disk) from a bug: the first is
/// a 503 the client may retry, the second a 500.
/// </summary>
public static class DatabaseUnavailable
{
    // SQLITE_BUSY (another process holds the write lock past the timeout), SQLITE_READONLY (a file
    // system remounted read-only), SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN. Not SQLITE_LOCKED:
    // within one connection, that is a bug.
    private static readonly int[] SqliteCodes = [5, 8, 10, 13, 14];

    public static bool Is(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case PostgresException pg:
                    // Class 08: connection exceptions; 57P0x: shutting down or starting up; 53: out of resources (too many connections).
                    if (pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P0", StringComparison.Ordinal)
                        || pg.SqlState.StartsWith("53", StringComparison.Ordinal))
                    {
                        return true;
                    }

                    break;
                case NpgsqlException npgsql when npgsql.IsTransient:
                    // Not an error the server sent: the connection failed or timed out.
                    return true;
                case SqliteException sqlite when SqliteCodes.Contains(sqlite.SqliteErrorCode):
                    return true;
            }
        }

        return false;
    }
}
