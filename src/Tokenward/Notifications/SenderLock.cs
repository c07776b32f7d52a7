using System.Data.Common;
using Tokenward.Hosting;
using Tokenward.Storage;

namespace Tokenward.Notifications;

/// <summary>
/// One sender per channel at a time, across processes (a <c>serve</c> and a <c>tokenward notify</c>,
/// or several servers on one PostgreSQL): two would pick the same due delivery and send it twice.
/// PostgreSQL: a session advisory lock; SQLite: a lock file in the data folder. Either is let go
/// when its holder ends, even by SIGKILL, so a crash never blocks the next run.
/// </summary>
public sealed class SenderLock : IAsyncDisposable
{
    private readonly DbConnection? _connection;
    private readonly FileStream? _file;

    private SenderLock(DbConnection? connection, FileStream? file) => (_connection, _file) = (connection, file);

    /// <returns>The lock, or null while another process sends on this channel.</returns>
    public static async Task<SenderLock?> TryAcquireAsync(TokenwardSettings settings, string channel, CancellationToken ct)
    {
        if (settings.Database.Engine == DatabaseEngine.Postgres)
        {
            var connection = settings.Database.CreateConnection();
            await connection.OpenAsync(ct);
            await using var command = connection.CreateCommand();
            // A fixed key per channel, in its own range beside the migrator's and the audit log's.
            command.CommandText = $"SELECT pg_try_advisory_lock({0x546f6b6e6f7400 + (channel == NotificationDelivery.Email ? 1 : 2)});";
            if (await command.ExecuteScalarAsync(ct) is true)
            {
                return new SenderLock(connection, null);
            }

            await connection.DisposeAsync();
            return null;
        }

        Directory.CreateDirectory(settings.DataDir);
        try
        {
            return new SenderLock(null, new FileStream(Path.Combine(settings.DataDir, $"notify-{channel}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e) when ((e.HResult & 0xFFFF) == 11)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            // Closing the session lets its advisory locks go.
            await _connection.DisposeAsync();
        }

        _file?.Dispose();
    }
}
