using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Tokenward.Core.Authentication;
using Tokenward.Hosting;
using Tokenward.Storage;
using Tokenward.Toolkit;

namespace Tokenward.Notifications;

/// <summary>
/// Tells administrators of an expiry cliff ahead (<see cref="ExpiryCliffs"/>), 60, 30 and 7 days
/// before it, once per cliff and notice: by e-mail to every active administrator and to every
/// webhook. The deliveries ride the expiry notices' ledger (retries, backoff, once only), with no
/// token (<see cref="NoToken"/>) and the cliff's date as their expiry. A cliff found late gets only
/// the notice whose days it is in. A notice is cancelled when its day is no cliff any more by the
/// time it goes out (the tokens were spread or revoked), and its figures are those of that moment.
/// </summary>
public sealed class CliffNotices(TokenwardDb db, TokenInventory inventory, TokenwardSettings settings, TimeProvider clock)
{
    /// <summary>The token id of a delivery that is about a cliff, not a token.</summary>
    public const long NoToken = 0;

    private double Percent => settings.ExpiryCliffPercent;

    /// <summary>The dates as counted for this instance's first delivery: one scan of the tokens per channel's run, not one per delivery.</summary>
    private List<ExpiryDateCount>? _counted;

    /// <summary>The deliveries due now for the cliffs ahead that are not recorded yet.</summary>
    public async Task<List<NotificationDelivery>> PlanAsync(IReadOnlyList<string> channels, DateTime now, CancellationToken ct)
    {
        var planned = new List<NotificationDelivery>();
        if (channels.Count == 0 || !settings.Notifications.ExpiryCliffs)
        {
            return planned;
        }

        var today = TokenStates.Today(clock);
        var ahead = Notice.Cliffs.Max(n => n.UpTo);
        var cliffs = (await inventory.ExpiryDatesAsync(new TokenFilter(), today, ExpiryCliffs.MostCliffs(Percent), ct))
            .Where(d => d.IsCliff(Percent) && d.Date.DayNumber - today.DayNumber <= ahead)
            .OrderBy(d => d.Date)
            .ToList();
        if (cliffs.Count == 0)
        {
            return planned;
        }

        var admins = channels.Contains(NotificationDelivery.Email) ? await AdminAddressesAsync(ct) : [];
        var urls = channels.Contains(NotificationDelivery.Webhook)
            ? settings.Notifications.WebhookUrls.Select(u => u.ToString()).Distinct(StringComparer.Ordinal).ToList()
            : [];
        foreach (var cliff in cliffs)
        {
            var daysLeft = cliff.Date.DayNumber - today.DayNumber;
            var notice = Notice.Cliffs.First(n => daysLeft <= n.UpTo && daysLeft > n.After);
            var recorded = await db.NotificationDeliveries
                .Where(d => d.PersonalAccessTokenId == NoToken && d.ExpiresAt == cliff.Date && d.Notice == notice.Name && d.State != NotificationDelivery.Cancelled)
                .Select(d => d.Channel + " " + d.Recipient)
                .ToListAsync(ct);
            var wanted = admins.Select(a => (Channel: NotificationDelivery.Email, Recipient: a))
                .Concat(urls.Select(u => (Channel: NotificationDelivery.Webhook, Recipient: u)))
                .Where(w => !recorded.Contains($"{w.Channel} {w.Recipient}"));
            planned.AddRange(wanted.Select(w => new NotificationDelivery
            {
                PersonalAccessTokenId = NoToken,
                ExpiresAt = cliff.Date,
                Notice = notice.Name,
                Channel = w.Channel,
                Recipient = w.Recipient,
                State = NotificationDelivery.Due,
                NextAttemptAt = now,
                CreatedAt = now,
            }));
        }

        return planned;
    }

    /// <summary>The cliff as it stands now, or null (the delivery cancelled) when it no longer is one or its days have passed.</summary>
    public async Task<Cliff?> IfDueAsync(NotificationDelivery d, DeliveryLedger ledger, CancellationToken ct)
    {
        var today = TokenStates.Today(clock);
        var daysLeft = d.ExpiresAt.DayNumber - today.DayNumber;
        if (daysLeft <= Notice.Of(d.Notice).After)
        {
            await ledger.CancelAsync(d, "its days have passed (a later notice is due instead)");
            return null;
        }

        _counted ??= await inventory.ExpiryDatesAsync(new TokenFilter(), today, ExpiryCliffs.MostCliffs(Percent), ct);
        if (_counted.FirstOrDefault(x => x.Date == d.ExpiresAt) is not { } day || !day.IsCliff(Percent))
        {
            await ledger.CancelAsync(d, "the day is no expiry cliff any more");
            return null;
        }

        return new Cliff(day.Date, day.Count, day.ActiveWithDate, daysLeft, Percent);
    }

    private Task<List<string>> AdminAddressesAsync(CancellationToken ct) =>
        db.Users.Where(u => u.Admin && u.UserType == UserTypes.Human && u.State == UserStates.Active && u.Email != string.Empty)
            .OrderBy(u => u.Id).Select(u => u.Email).ToListAsync(ct);

    /// <summary>A cliff ahead: its day, how many tokens expire on it, out of how many, and in how many days.</summary>
    public sealed record Cliff(DateOnly Date, int Tokens, long ActiveWithDate, int DaysLeft, double Percent)
    {
        private string Day => Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        private string SharePercent => (100.0 * Tokens / Math.Max(1, ActiveWithDate)).ToString("0.#", CultureInfo.InvariantCulture);

        public string MailSubject() => string.Create(CultureInfo.InvariantCulture, $"Expiry cliff: {Tokens:N0} access tokens expire on {Day}, in {DaysLeft} days");

        public string MailBody(string baseUrl) => string.Create(CultureInfo.InvariantCulture, $"""
            Hello,

            {Tokens:N0} active access tokens expire on {Day}, in {DaysLeft} days: {SharePercent} % of the {ActiveWithDate:N0} active tokens with an expiry date (a day with {Percent:0.##} % or more is an expiry cliff).
            On that day every client still using them stops with 401 at once, as on GitLab's backfilled date.

            Before then:
            - see which of them are still in use, and who owns them:
                tokenward tokens at-risk --within {DaysLeft}d
            - spread their dates instead of moving them to another single day:
                tokenward tokens extend --expiring-on {Day} --spread 4w --dry-run
            - the expiry calendar: {baseUrl}/admin/expiry_calendar?day={Day}

            You get this as an administrator of {(baseUrl.Length > 0 ? baseUrl : "Tokenward")}, 60, 30 and 7 days before each expiry cliff.
            """);

        /// <summary>Tokenward's own hook event, beside GitLab's <c>access_token</c> one.</summary>
        public JsonObject Payload(string notice, string baseUrl) => new()
        {
            ["object_kind"] = "expiry_cliff",
            ["event_name"] = "expiry_cliff_approaching",
            ["notice"] = notice,
            ["expires_at"] = Day,
            ["days_left"] = DaysLeft,
            ["tokens"] = Tokens,
            ["active_tokens_with_expiry"] = ActiveWithDate,
            ["share"] = Math.Round((double)Tokens / Math.Max(1, ActiveWithDate), 4),
            ["threshold_percent"] = Percent,
            ["calendar_url"] = $"{baseUrl}/admin/expiry_calendar?day={Day}",
        };
    }
}
