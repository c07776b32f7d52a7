using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tokenward.Notifications;
using Tokenward.Storage;
using Tokenward.Toolkit;

namespace Tokenward.Cli;

/// <summary>
/// <c>tokenward notify</c>: one run of the expiry notices, as <c>serve</c> does on its interval
/// (<c>--dry-run</c>: what it would send); <c>notify list</c>: the recorded deliveries.
/// </summary>
public static class NotifyCommand
{
    /// <summary>The exit code of a run after which deliveries wait for a later attempt.</summary>
    public const int FailedExitCode = 3;

    public static Command Create()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "List what is due per channel and send nothing" };
        var command = new Command("notify", "Send the due expiry notices (60, 30, 7 days before, and on expiry) once") { dryRun, GlobalOptions.Format, List() };
        command.SetAction(async (result, ct) =>
        {
            var format = GlobalOptions.FormatWithoutLines(result);
            var settings = GlobalOptions.Settings(result);
            if (!settings.Notifications.AnyChannel)
            {
                throw new CliException("no channel is configured: set TOKENWARD_SMTP_HOST and/or TOKENWARD_WEBHOOK_URLS.");
            }

            await using var services = await CliServices.StartAsync(settings, ct);
            var notifier = services.Get<ExpiryNotifier>();
            if (result.GetValue(dryRun))
            {
                await PrintAsync(await notifier.PreviewAsync(ct), format);
                return 0;
            }

            if (settings.ExternalUrl is null)
            {
                // serve takes its own address; a CLI run has none to put in the links.
                throw new CliException("set TOKENWARD_EXTERNAL_URL: notices link to the page where a token is rotated, and a CLI run has no server address to take it from.");
            }

            var sent = await notifier.RunOnceAsync(ct);
            var waiting = await notifier.WaitingAsync(ct);
            switch (format)
            {
                case ReportFormat.Json:
                    await Console.Out.WriteLineAsync(JsonSerializer.Serialize(sent));
                    break;
                case ReportFormat.Csv:
                    await CliTable.WriteAsync(Console.Out, ReportFormat.Csv, ["notice", "sent"], sent.Select(kv => new[] { kv.Key, kv.Value.ToString(CultureInfo.InvariantCulture) }));
                    break;
                default:
                    await Console.Out.WriteLineAsync(string.Join(", ", sent.Select(kv => $"{kv.Key}: {kv.Value}")) + " deliveries sent.");
                    break;
            }

            if (waiting > 0)
            {
                // For cron and monitoring: something could not be delivered, and waits for a later attempt.
                await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"tokenward: {waiting} deliveries wait for a later attempt (tokenward notify list --state failed; the last error is kept)."));
                return FailedExitCode;
            }

            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var state = new Option<string?>("--state") { Description = "Only deliveries in this state: due, failed, sent or cancelled" };
        state.AcceptOnlyFromAmong(NotificationDelivery.States);
        var limit = new Option<int>("--limit") { Description = "At most this many, newest first (default 50)", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "The recorded deliveries of expiry notices: state, attempts, last error and next attempt") { state, limit, GlobalOptions.Format };
        list.SetAction(async (result, ct) =>
        {
            var format = GlobalOptions.FormatWithoutLines(result);
            await using var services = await CliServices.StartAsync(GlobalOptions.Settings(result), ct);
            IQueryable<NotificationDelivery> query = services.Get<TokenwardDb>().NotificationDeliveries;
            if (result.GetValue(state) is { } s)
            {
                query = query.Where(d => d.State == s);
            }

            await PrintAsync(await query.OrderByDescending(d => d.Id).Take(Math.Clamp(result.GetValue(limit), 1, 100_000)).ToListAsync(ct), format);
            return 0;
        });
        return list;
    }

    private static async Task PrintAsync(List<NotificationDelivery> deliveries, string format)
    {
        if (format == ReportFormat.Json)
        {
            await Console.Out.WriteLineAsync(new System.Text.Json.Nodes.JsonArray(deliveries.Select(d => (System.Text.Json.Nodes.JsonNode)NotificationsEndpoints.Json(d)).ToArray()).ToJsonString());
            return;
        }

        static string Time(DateTime? t) => t?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "-";
        await CliTable.WriteAsync(Console.Out, format, ["ID", "TOKEN", "NOTICE", "EXPIRES", "CHANNEL", "RECIPIENT", "STATE", "ATTEMPTS", "NEXT ATTEMPT", "SENT", "LAST ERROR"], deliveries.Select(d => new[]
        {
            d.Id == 0 ? "(new)" : d.Id.ToString(CultureInfo.InvariantCulture),
            d.PersonalAccessTokenId == CliffNotices.NoToken ? "(cliff)" : d.PersonalAccessTokenId.ToString(CultureInfo.InvariantCulture),
            d.Notice,
            d.ExpiresAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            d.Channel,
            d.Channel == NotificationDelivery.Webhook ? WebhookSender.Masked(d.Recipient) : d.Recipient,
            d.State,
            d.Attempts.ToString(CultureInfo.InvariantCulture),
            d.State is NotificationDelivery.Due or NotificationDelivery.Failed ? Time(d.NextAttemptAt) : null,
            Time(d.SentAt),
            d.LastError,
        }));
    }
}
