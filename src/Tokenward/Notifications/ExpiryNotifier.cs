using Microsoft.EntityFrameworkCore;
using Tokenward.Authentication;
using Tokenward.Core.Authentication;
using Tokenward.Hosting;
using Tokenward.Members;
using Tokenward.Storage;

namespace Tokenward.Notifications;

/// <summary>
/// Expiry notices as recorded deliveries: 60, 30 and 7 days before and on expiry, by e-mail to the
/// owner (for project and group tokens, the resource's Maintainers and Owners) and, for project and
/// group tokens, to the webhooks (GitLab's 7 days; 60 and 30 too when configured). A run first
/// plans, recording one delivery per (token, expiry, notice, channel, recipient), which is
/// idempotent; then each channel sends its due deliveries on its own, marking each sent only once
/// the SMTP server accepted it or the webhook answered 2xx. A crash or a stop leaves the rest due;
/// a failure is tried again on a later run, with backoff. Expiry cliffs ahead are told to the
/// administrators through the same ledger (<see cref="CliffNotices"/>).
/// </summary>
public sealed class ExpiryNotifier(TokenwardDb db, Access access, CliffNotices cliffs, IServiceScopeFactory scopes, TimeProvider clock, TokenwardSettings settings)
{
    private NotificationSettings Channels => settings.Notifications;

    /// <summary>Plans what is due and sends it.</summary>
    /// <returns>How many deliveries were sent, per notice.</returns>
    public async Task<Dictionary<string, int>> RunOnceAsync(CancellationToken ct)
    {
        var sent = Notice.Counts();
        if (!Channels.AnyChannel)
        {
            return sent;
        }

        await PlanAsync(record: true, ct);
        // The channels run side by side, each with its own database context: a mail server that
        // hangs never holds back a webhook, nor the reverse.
        var results = await Task.WhenAll(
            SendWithAsync<EmailSender>(Channels.SmtpHost is not null, ct),
            SendWithAsync<WebhookSender>(Channels.WebhookUrls.Count > 0, ct));
        foreach (var (notice, count) in results.SelectMany(r => r))
        {
            sent[notice] += count;
        }

        return sent;
    }

    /// <summary>Deliveries on a configured channel that failed or were put off, waiting for a later attempt.</summary>
    public Task<int> WaitingAsync(CancellationToken ct)
    {
        var now = Now();
        var channels = ConfiguredChannels();
        return db.NotificationDeliveries.CountAsync(
            d => (d.State == NotificationDelivery.Due || d.State == NotificationDelivery.Failed) && d.NextAttemptAt > now && channels.Contains(d.Channel), ct);
    }

    private List<string> ConfiguredChannels()
    {
        var channels = new List<string>();
        if (Channels.SmtpHost is not null)
        {
            channels.Add(NotificationDelivery.Email);
        }

        if (Channels.WebhookUrls.Count > 0)
        {
            channels.Add(NotificationDelivery.Webhook);
        }

        return channels;
    }

    /// <summary>What a run would do now: the deliveries it would record, and those already due on a configured channel.</summary>
    public async Task<List<NotificationDelivery>> PreviewAsync(CancellationToken ct)
    {
        var planned = await PlanAsync(record: false, ct);
        var now = Now();
        var channels = ConfiguredChannels();
        var waiting = await db.NotificationDeliveries
            .Where(d => (d.State == NotificationDelivery.Due || d.State == NotificationDelivery.Failed) && d.NextAttemptAt <= now && channels.Contains(d.Channel))
            .OrderBy(d => d.Id).ToListAsync(ct);
        return [.. waiting, .. planned];
    }

    /// <summary>
    /// Records a delivery for every notice due today on every configured channel, once: a second
    /// plan, or one by another process at the same moment, adds nothing (a unique index).
    /// </summary>
    /// <returns>The deliveries planned (not yet recorded when <paramref name="record"/> is false).</returns>
    public async Task<List<NotificationDelivery>> PlanAsync(bool record, CancellationToken ct)
    {
        var today = TokenStates.Today(clock);
        var now = Now();
        var planned = new List<NotificationDelivery>();
        foreach (var notice in Notice.All)
        {
            foreach (var channel in ConfiguredChannels().Where(c => c != NotificationDelivery.Webhook || Channels.WebhookNotices.Contains(notice.Name)))
            {
                var upTo = today.AddDays(notice.UpTo);
                var after = today.AddDays(notice.After);
                var urls = Channels.WebhookUrls.Select(u => u.ToString()).Distinct(StringComparer.Ordinal).ToList();
                var wanted = channel == NotificationDelivery.Webhook ? urls.Count : 1;
                var tokens = db.PersonalAccessTokens
                    .Where(t => !t.Revoked && t.ExpiresAt != null && t.ExpiresAt <= upTo && t.ExpiresAt > after
                        && t.User!.State == UserStates.Active
                        // Notices sent before deliveries were recorded (the older claim table) are not sent again.
                        && !db.TokenExpiryNotifications.Any(n => n.PersonalAccessTokenId == t.Id && n.Notice == notice.Name && n.ExpiresAt == t.ExpiresAt)
                        // Planned already, unless cancelled (an owner unblocked since, a URL configured again) or,
                        // for webhooks, not to every URL configured now.
                        && db.NotificationDeliveries.Count(d => d.PersonalAccessTokenId == t.Id && d.ExpiresAt == t.ExpiresAt && d.Notice == notice.Name && d.Channel == channel
                            && d.State != NotificationDelivery.Cancelled && (channel == NotificationDelivery.Email || urls.Contains(d.Recipient))) < wanted);
                if (channel == NotificationDelivery.Webhook)
                {
                    // GitLab's hook is for project and group tokens only.
                    tokens = tokens.Where(t => t.User!.UserType != UserTypes.Human);
                }
                else if (notice.IsExpiry && !Channels.ResourceExpired)
                {
                    // GitLab mails no "expired" notice for a project or group token.
                    tokens = tokens.Where(t => t.User!.UserType == UserTypes.Human);
                }

                var due = await tokens.OrderBy(t => t.Id)
                    .Select(t => new { t.Id, ExpiresAt = t.ExpiresAt!.Value, t.User!.Email, Human = t.User.UserType == UserTypes.Human })
                    .ToListAsync(ct);
                foreach (var token in due)
                {
                    List<string> recipients;
                    if (channel == NotificationDelivery.Email && token.Human)
                    {
                        // A personal or impersonation token: its owner, known from the query.
                        recipients = [token.Email];
                    }
                    else if (await NoticeSubject.LoadAsync(db, access, token.Id, ct) is { IsResourceToken: true } subject)
                    {
                        recipients = channel == NotificationDelivery.Email
                            ? await subject.MailRecipientsAsync(db, access, ct)
                            : Channels.WebhookUrls.Select(u => u.ToString()).ToList();
                    }
                    else
                    {
                        continue;
                    }

                    // Addresses are one whatever their case; URLs are not.
                    var comparer = channel == NotificationDelivery.Email ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
                    planned.AddRange(recipients.Distinct(comparer).Select(r => new NotificationDelivery
                    {
                        PersonalAccessTokenId = token.Id,
                        ExpiresAt = token.ExpiresAt,
                        Notice = notice.Name,
                        Channel = channel,
                        Recipient = r,
                        State = NotificationDelivery.Due,
                        NextAttemptAt = now,
                        CreatedAt = now,
                    }));
                }
            }
        }

        planned.AddRange(await cliffs.PlanAsync(ConfiguredChannels(), now, ct));
        if (record && planned.Count > 0)
        {
            await RecordAsync(planned, ct);
        }

        return planned;
    }

    /// <summary>
    /// Inserts the deliveries in one transaction, skipping any another process recorded first, and
    /// making a cancelled one due again (its token is due again: an owner unblocked, a URL back).
    /// </summary>
    private async Task RecordAsync(List<NotificationDelivery> planned, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        foreach (var d in planned)
        {
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"""
                INSERT INTO notification_deliveries (personal_access_token_id, expires_at, notice, channel, recipient, state, attempts, next_attempt_at, created_at)
                VALUES ({d.PersonalAccessTokenId}, {d.ExpiresAt}, {d.Notice}, {d.Channel}, {d.Recipient}, {d.State}, 0, {d.NextAttemptAt}, {d.CreatedAt})
                ON CONFLICT (personal_access_token_id, expires_at, notice, channel, recipient)
                DO UPDATE SET state = 'due', attempts = 0, last_error = NULL, next_attempt_at = excluded.next_attempt_at
                WHERE notification_deliveries.state = 'cancelled'
                """, ct);
        }

        await tx.CommitAsync(ct);
    }

    private async Task<Dictionary<string, int>> SendWithAsync<TSender>(bool configured, CancellationToken ct)
        where TSender : IDeliverySender
    {
        if (!configured)
        {
            return [];
        }

        var channel = typeof(TSender) == typeof(EmailSender) ? NotificationDelivery.Email : NotificationDelivery.Webhook;
        await using var sending = await SenderLock.TryAcquireAsync(settings, channel, ct);
        if (sending is null)
        {
            // Another process is sending on this channel now; it sends these deliveries too.
            return [];
        }

        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TSender>().SendDueAsync(ct);
    }

    private DateTime Now() => TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
}
