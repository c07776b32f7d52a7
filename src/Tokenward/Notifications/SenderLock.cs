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
    private readonly Npgsql.NpgsqlConnection? _connection;
    private readonly long _key;
    private readonly FileStream? _file;

    private SenderLock(Npgsql.NpgsqlConnection? connection, long key, FileStream? file) => (_connection, _key, _file) = (connection, key, file);

    /// <returns>The lock, or null while another process sends on this channel.</returns>
    public static async Task<SenderLock?> TryAcquireAsync(TokenwardSettings settings, string channel, CancellationToken ct)
    {
        if (settings.Database.Engine == DatabaseEngine.Postgres)
        {
            // Its own connection, outside the pool: a pooled one would go back with the lock still held.
            var connection = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(settings.Database.ConnectionString) { Pooling = false }.ConnectionString);
            try
            {
                await connection.OpenAsync(ct);
                await using var command = connection.CreateCommand();
                // A fixed key per channel, in its own range beside the migrator's and the audit log's.
                var key = 0x546f6b6e6f7400L + (channel == NotificationDelivery.Email ? 1 : 2);
                command.CommandText = $"SELECT pg_try_advisory_lock({key});";
                if (await command.ExecuteScalarAsync(ct) is true)
                {
                    return new SenderLock(connection, key, null);
                }
            }
            catch
            {
                // Cancelled or failed on the way: the session (and a lock it may have got) ends here, not at exit.
                await connection.DisposeAsync();
                throw;
            }

            await connection.DisposeAsync();
            return null;
        }

        Directory.CreateDirectory(settings.DataDir);
        try
        {
            return new SenderLock(null, 0, new FileStream(Path.Combine(settings.DataDir, $"notify-{channel}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e) when ((e.HResult & 0xFFFF) is 11 or 35)
        {
            // EWOULDBLOCK (Linux 11, macOS 35): another process holds it.
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            try
            {
                await using var unlock = _connection.CreateCommand();
                unlock.CommandText = $"SELECT pg_advisory_unlock({_key});";
                await unlock.ExecuteScalarAsync(CancellationToken.None);
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException)
            {
                // The session ends just below, which lets the lock go as well.
            }

            await _connection.DisposeAsync();
        }

        _file?.Dispose();
    }
}
