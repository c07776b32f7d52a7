namespace Tokenward.Notifications;

/// <summary>Wakes <see cref="ExpiryNotificationService"/> before its interval: a leak notice should not wait an hour.</summary>
public sealed class NoticeNudge : IDisposable
{
    private readonly SemaphoreSlim _nudged = new(0, 1);

    public void Nudge()
    {
        try
        {
            _nudged.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already nudged.
        }
    }

    public Task WaitAsync(CancellationToken ct) => _nudged.WaitAsync(ct);

    public void Dispose() => _nudged.Dispose();
}
