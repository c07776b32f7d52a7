using System.CommandLine;
using System.Text.Json;
using Tokenward.Notifications;

namespace Tokenward.Cli;

/// <summary><c>tokenward notify</c>: one run of the expiry notifications, as <c>serve</c> does on its interval.</summary>
public static class NotifyCommand
{
    public static Command Create()
    {
        var command = new Command("notify", "Send the due expiry notices once (60, 30, 7 days before, and on expiry)") { GlobalOptions.Format };
        command.SetAction(async (result, ct) =>
        {
            var format = GlobalOptions.FormatWithoutLines(result);
            var settings = GlobalOptions.Settings(result);
            if (!settings.Notifications.AnyChannel)
            {
                throw new CliException("no channel is configured: set TOKENWARD_SMTP_HOST and/or TOKENWARD_WEBHOOK_URLS.");
            }

            await using var services = await CliServices.StartAsync(settings, ct);
            var sent = await services.Get<ExpiryNotifier>().RunOnceAsync(ct);
            switch (format)
            {
                case Toolkit.ReportFormat.Json:
                    await Console.Out.WriteLineAsync(JsonSerializer.Serialize(sent));
                    break;
                case Toolkit.ReportFormat.Csv:
                    await CliTable.WriteAsync(Console.Out, Toolkit.ReportFormat.Csv, ["notice", "sent"], sent.Select(kv => new[] { kv.Key, kv.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
                    break;
                default:
                    await Console.Out.WriteLineAsync(string.Join(", ", sent.Select(kv => $"{kv.Key}: {kv.Value}")) + " notices sent.");
                    break;
            }
            return 0;
        });
        return command;
    }
}
