using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Tokenward.Storage.Engines;

/// <summary>Work that must happen once at a time across processes.</summary>
public interface IEngineLocks
{
    /// <summary>A lock held across processes until disposed (an advisory lock, or a lock file in the data folder).</summary>
    /// <returns>The lock, or null while another process holds it.</returns>
    Task<IAsyncDisposable?> TryLockAsync(DatabaseTarget target, string dataDir, string name, long key, CancellationToken ct);

    /// <summary>
    /// Holds, until the current transaction ends, the lock that puts concurrent writers' commits
    /// in order (the audit log's); nothing where the engine has one writer at a time.
    /// </summary>
    Task OrderCommitsAsync(DatabaseFacade database, long key, CancellationToken ct);
}
