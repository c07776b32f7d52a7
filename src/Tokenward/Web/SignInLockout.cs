using Microsoft.EntityFrameworkCore;
using Tokenward.Storage;

namespace Tokenward.Web;

/// <summary>
/// GitLab's account lock (Devise's lockable, GitLab's defaults): 10 wrong passwords for one account
/// lock it for 10 minutes, whatever addresses they came from. The address ban alone would let a
/// guesser spread over many addresses, or reset their count with a successful request of their own.
/// Counted in the database (<c>users.failed_attempts</c>, <c>users.locked_at</c>, as GitLab), so
/// every node counts the same guesses and a restart forgets none.
/// </summary>
public sealed class SignInLockout(TokenwardDb db, TimeProvider clock)
{
    public const int MaxAttempts = 10;

    public static readonly TimeSpan LockTime = TimeSpan.FromMinutes(10);

    public const string LockedMessage = "Your account is locked.";

    public bool IsLocked(User user) => IsLocked(user, clock.GetUtcNow());

    public static bool IsLocked(User user, DateTimeOffset now) => user.LockedAt is { } at && now.UtcDateTime < at + LockTime;

    /// <returns>Whether this failure locked the account.</returns>
    public async Task<bool> FailedAsync(long userId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var lapsed = now - LockTime;
        // Each step one statement, so failures counted at once on several nodes all count.
        await db.Users.Where(u => u.Id == userId && u.LockedAt != null && u.LockedAt <= lapsed)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.LockedAt, (DateTime?)null).SetProperty(x => x.FailedAttempts, 0), ct);
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(u => u.SetProperty(x => x.FailedAttempts, x => x.FailedAttempts + 1), ct);
        // Only the failure that reaches the limit locks; the count starts again from there.
        return await db.Users.Where(u => u.Id == userId && u.LockedAt == null && u.FailedAttempts >= MaxAttempts)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.LockedAt, now).SetProperty(x => x.FailedAttempts, 0), ct) == 1;
    }

    public async Task SucceededAsync(User user, CancellationToken ct)
    {
        if (user.FailedAttempts > 0 || user.LockedAt is not null)
        {
            await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(u => u.SetProperty(x => x.FailedAttempts, 0).SetProperty(x => x.LockedAt, (DateTime?)null), ct);
        }
    }
}
