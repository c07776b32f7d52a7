using System.Net.Sockets;
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
    // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN.
    private static readonly int[] SqliteCodes = [5, 6, 10, 13, 14];

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
                case NpgsqlException:
                    // Not an error the server sent: the connection itself failed.
                    return true;
                case SqliteException sqlite when SqliteCodes.Contains(sqlite.SqliteErrorCode):
                case SocketException:
                case TimeoutException:
                    return true;
            }
        }

        return false;
    }
}
