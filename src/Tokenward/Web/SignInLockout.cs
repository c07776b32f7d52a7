using System.Collections.Concurrent;

namespace Tokenward.Web;

/// <summary>
/// GitLab's account lock (Devise's lockable, GitLab's defaults): 10 wrong passwords for one account
/// lock it for 10 minutes, whatever addresses they came from. The address ban alone would let a
/// guesser spread over many addresses, or reset their count with a successful request of their own.
/// Kept in this process, as the ban is.
/// </summary>
public sealed class SignInLockout(TimeProvider clock)
{
    public const int MaxAttempts = 10;

    public static readonly TimeSpan LockTime = TimeSpan.FromMinutes(10);

    public const string LockedMessage = "Your account is locked.";

    private readonly ConcurrentDictionary<long, Attempts> _users = new();

    public bool IsLocked(long userId) =>
        _users.TryGetValue(userId, out var a) && a.LockedUntil is { } until && clock.GetUtcNow() < until;

    /// <returns>Whether this failure locked the account.</returns>
    public bool Failed(long userId)
    {
        var now = clock.GetUtcNow();
        var after = _users.AddOrUpdate(
            userId,
            _ => new Attempts(1, null),
            (_, a) => a.LockedUntil is { } until && now >= until ? new Attempts(1, null)
                : a.Failures + 1 >= MaxAttempts ? new Attempts(0, now + LockTime)
                : a with { Failures = a.Failures + 1 });
        return after.LockedUntil is not null && after.Failures == 0;
    }

    public void Succeeded(long userId) => _users.TryRemove(userId, out _);

    private sealed record Attempts(int Failures, DateTimeOffset? LockedUntil);
}
