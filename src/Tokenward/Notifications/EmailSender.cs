using MailKit.Net.Smtp;
using MimeKit;
using Tokenward.Hosting;
using Tokenward.Storage;

namespace Tokenward.Notifications;

/// <summary>
/// The e-mail channel: every due delivery over one SMTP connection per run, one message per
/// recipient, each with a <c>Message-ID</c> fixed by its delivery (a repeat after a crash between
/// the server's "250" and our record carries the same id, and receivers that keep ids drop it).
/// A server that cannot be reached is said once; its deliveries wait for the next attempt.
/// </summary>
public sealed class EmailSender(DeliveryLedger ledger, CliffNotices cliffs, TokenwardSettings settings, ExternalUrl externalUrl, ILogger<EmailSender> logger)
    : IDeliverySender
{
    private NotificationSettings Channels => settings.Notifications;

    public async Task<Dictionary<string, int>> SendDueAsync(CancellationToken ct)
    {
        var sent = Notice.Counts();
        using var smtp = new SmtpClient { Timeout = (int)Channels.Timeout.TotalMilliseconds };
        try
        {
            while (await ledger.DueAsync(NotificationDelivery.Email, ct) is { Count: > 0 } batch)
            {
                foreach (var delivery in batch)
                {
                    if (await ContentIfDueAsync(delivery, ct) is not var (subject, body))
                    {
                        continue;
                    }

                    if (!smtp.IsConnected && !await ConnectAsync(smtp, ct))
                    {
                        return sent;
                    }

                    try
                    {
                        using var message = Message(delivery, subject, body);
                        await smtp.SendAsync(message, ct);
                    }
                    catch (Exception e) when (!ct.IsCancellationRequested)
                    {
                        // Refused (a 4xx or 5xx for this message) or the connection dropped: this one
                        // is tried again later; the next one gets a new connection if it needs one.
                        logger.SmtpRefused(delivery.Id, e.Message);
                        await ledger.MarkFailedAsync(delivery, e.Message);
                        continue;
                    }

                    await ledger.MarkSentAsync(delivery);
                    sent[delivery.Notice]++;
                }
            }
        }
        finally
        {
            if (smtp.IsConnected)
            {
                try
                {
                    using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await smtp.DisconnectAsync(quit: true, quit.Token);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Everything sent is recorded; a failed goodbye changes nothing.
                }
            }
        }

        return sent;
    }

    /// <returns>False when the server cannot be reached: then every due e-mail waits for the next attempt, and the log says so once.</returns>
    private async Task<bool> ConnectAsync(SmtpClient smtp, CancellationToken ct)
    {
        try
        {
            await smtp.ConnectAsync(Channels.SmtpHost!, Channels.SmtpPort, Channels.SmtpSecurity, ct);
            if (Channels.SmtpUsername is { } user)
            {
                await smtp.AuthenticateAsync(user, Channels.SmtpPassword ?? string.Empty, ct);
            }

            return true;
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            var until = ledger.RetryAt(1);
            var waiting = await ledger.PostponeAsync(NotificationDelivery.Email, null, until, $"SMTP server unreachable: {e.Message}");
            logger.SmtpUnreachable(Channels.SmtpHost!, Channels.SmtpPort, e.Message, waiting, until);
            return false;
        }
    }

    /// <summary>The subject and text of a delivery still to be sent; null when it was cancelled instead.</summary>
    private async Task<(string Subject, string Body)?> ContentIfDueAsync(NotificationDelivery delivery, CancellationToken ct)
    {
        var notice = Notice.Of(delivery.Notice);
        if (notice.IsCliff)
        {
            return await cliffs.IfDueAsync(delivery, ledger, ct) is { } cliff ? (cliff.MailSubject(), cliff.MailBody(externalUrl.Base)) : null;
        }

        if (await ledger.SubjectIfDueAsync(delivery, null, ct) is not { } subject)
        {
            return null;
        }

        var today = ledger.Today();
        return notice.IsLeak
            ? (subject.LeakSubject(), subject.LeakBody(delivery.Detail, externalUrl.Base))
            : (subject.MailSubject(notice, today), subject.MailBody(notice, today, externalUrl.Base));
    }

    private MimeMessage Message(NotificationDelivery delivery, string subject, string body)
    {
        var message = new MimeMessage
        {
            MessageId = $"{delivery.IdempotencyKey}@{MailboxAddress.Parse(Channels.From).Domain}",
            Subject = subject,
            Body = new TextPart("plain") { Text = body },
        };
        message.From.Add(MailboxAddress.Parse(Channels.From));
        message.To.Add(MailboxAddress.Parse(delivery.Recipient));
        message.Headers.Add("X-Tokenward-Notice", delivery.PersonalAccessTokenId == CliffNotices.NoToken
            ? $"{delivery.Notice}; date={delivery.ExpiresAt:yyyy-MM-dd}"
            : $"{delivery.Notice}; token={delivery.PersonalAccessTokenId}");
        return message;
    }
}
