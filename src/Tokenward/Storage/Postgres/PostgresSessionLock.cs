using Npgsql;

namespace Tokenward.Storage.Postgres;

/// <summary>A session advisory lock on a connection of its own, outside the pool: a pooled one would go back with the lock still held.</summary>
public sealed class PostgresSessionLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly long _key;

    private PostgresSessionLock(NpgsqlConnection connection, long key) => (_connection, _key) = (connection, key);

    /// <returns>The lock, or null while another session holds it.</returns>
    public static async Task<IAsyncDisposable?> TryAcquireAsync(string connectionString, long key, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Multiplexing = false }.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT pg_try_advisory_lock({key});";
            if (await command.ExecuteScalarAsync(ct) is true)
            {
                return new PostgresSessionLock(connection, key);
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

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var unlock = _connection.CreateCommand();
            unlock.CommandText = $"SELECT pg_advisory_unlock({_key});";
            await unlock.ExecuteScalarAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The session ends just below, which lets the lock go as well.
        }

        await _connection.DisposeAsync();
    }
}
