using Tokenward.Hosting;
using Tokenward.Storage;

namespace Tokenward.Notifications;

/// <summary>
/// One sender per channel at a time, across processes (a <c>serve</c> and a <c>tokenward notify</c>,
/// or several servers on one PostgreSQL): two would pick the same due delivery and send it twice.
/// The engine's lock (<see cref="Storage.Engines.IEngineLocks.TryLockAsync"/>: a session advisory
/// lock, or a lock file in the data folder) is let go when its holder ends, even by SIGKILL, so a
/// crash never blocks the next run.
/// </summary>
public static class SenderLock
{
    /// <returns>The lock, or null while another process sends on this channel.</returns>
    public static Task<IAsyncDisposable?> TryAcquireAsync(TokenwardSettings settings, string channel, CancellationToken ct) =>
        // A fixed key per channel, in its own range beside the migrator's and the audit log's.
        settings.Database.Storage.TryLockAsync(
            settings.Database, settings.DataDir, $"notify-{channel}", 0x546f6b6e6f7400L + (channel == NotificationDelivery.Email ? 1 : 2), ct);
}
