using Microsoft.EntityFrameworkCore;
using Tokenward.Authentication;
using Tokenward.Core.Authentication;
using Tokenward.Hosting;
using Tokenward.Storage;

namespace Tokenward.Notifications;

/// <summary>The channels' record of their deliveries: which are due, and each one's outcome, written as it happens.</summary>
public sealed class DeliveryLedger(TokenwardDb db, Members.Access access, TimeProvider clock, TokenwardSettings settings)
{
    public const int BatchSize = 200;

    public DateTime Now() => TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);

    public DateOnly Today() => TokenStates.Today(clock);

    /// <summary>The next deliveries of a channel whose attempt is due, oldest first.</summary>
    public Task<List<NotificationDelivery>> DueAsync(string channel, CancellationToken ct)
    {
        var now = Now();
        return db.NotificationDeliveries
            .Where(d => d.Channel == channel && (d.State == NotificationDelivery.Due || d.State == NotificationDelivery.Failed) && d.NextAttemptAt <= now)
            .OrderBy(d => d.Id).Take(BatchSize).ToListAsync(ct);
    }

    /// <summary>
    /// What a delivery is about, when it is still to be sent; otherwise it is cancelled with the
    /// reason (<paramref name="refusal"/>, the channel's own, comes first) and null is returned.
    /// </summary>
    public async Task<NoticeSubject?> SubjectIfDueAsync(NotificationDelivery d, string? refusal, CancellationToken ct)
    {
        // The channel's own refusal needs no look at the token.
        var subject = refusal is null ? await NoticeSubject.LoadAsync(db, access, d.PersonalAccessTokenId, ct) : null;
        if ((refusal ?? Obsolete(d, subject, Today())) is not { } reason)
        {
            return subject;
        }

        await CancelAsync(d, reason);
        return null;
    }

    /// <summary>Why a delivery is no longer to be sent, or null when it still is.</summary>
    public static string? Obsolete(NotificationDelivery d, NoticeSubject? subject, DateOnly today)
    {
        if (subject is null)
        {
            return "the token no longer exists";
        }

        var token = subject.Token;
        if (d.Notice == Notice.Leaked.Name)
        {
            // Its revocation is the news; the owner is told whatever their state.
            return null;
        }

        if (token.Revoked)
        {
            return "the token was revoked";
        }

        if (token.ExpiresAt != d.ExpiresAt)
        {
            return "the token's expiry date changed";
        }

        if (subject.Owner.State != UserStates.Active)
        {
            return $"the token's owner is {subject.Owner.State}";
        }

        var notice = Notice.Of(d.Notice);
        var daysLeft = d.ExpiresAt.DayNumber - today.DayNumber;
        return daysLeft <= notice.After ? "its days have passed (a later notice is due instead)" : null;
    }

    /// <summary>Marked with <see cref="CancellationToken.None"/>: once the server has the message, the record must say so even during a stop.</summary>
    public Task MarkSentAsync(NotificationDelivery d)
    {
        Hosting.Metrics.TokenwardMetrics.Notice(d.Channel, sent: true);
        var now = Now();
        return db.NotificationDeliveries.Where(x => x.Id == d.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.State, NotificationDelivery.Sent).SetProperty(x => x.SentAt, now)
                .SetProperty(x => x.Attempts, x => x.Attempts + 1).SetProperty(x => x.LastError, (string?)null), CancellationToken.None);
    }

    public Task MarkFailedAsync(NotificationDelivery d, string error)
    {
        Hosting.Metrics.TokenwardMetrics.Notice(d.Channel, sent: false);
        var next = settings.Notifications.NextAttempt(Now(), d.Attempts + 1);
        var message = error.Length > 1000 ? error[..1000] : error;
        return db.NotificationDeliveries.Where(x => x.Id == d.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.State, NotificationDelivery.Failed).SetProperty(x => x.Attempts, x => x.Attempts + 1)
                .SetProperty(x => x.LastError, message).SetProperty(x => x.NextAttemptAt, next), CancellationToken.None);
    }

    public Task CancelAsync(NotificationDelivery d, string reason) =>
        db.NotificationDeliveries.Where(x => x.Id == d.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.State, NotificationDelivery.Cancelled).SetProperty(x => x.LastError, reason), CancellationToken.None);

    /// <summary>
    /// A server that is down is not asked again for each delivery: the ones still due for it wait,
    /// unattempted, until <paramref name="until"/>.
    /// </summary>
    /// <returns>How many wait.</returns>
    public async Task<int> PostponeAsync(string channel, string? recipient, DateTime until, string reason)
    {
        var now = Now();
        var message = reason.Length > 1000 ? reason[..1000] : reason;
        var waiting = await db.NotificationDeliveries
            .Where(d => d.Channel == channel && (recipient == null || d.Recipient == recipient)
                && (d.State == NotificationDelivery.Due || d.State == NotificationDelivery.Failed) && d.NextAttemptAt <= now)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.NextAttemptAt, until).SetProperty(x => x.LastError, message), CancellationToken.None);
        Hosting.Metrics.TokenwardMetrics.NoticesPostponed(channel, waiting);
        return waiting;
    }

    public DateTime RetryAt(int attempts) => settings.Notifications.NextAttempt(Now(), attempts);
}
