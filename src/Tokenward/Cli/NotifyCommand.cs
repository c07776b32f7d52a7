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
            var settings = GlobalOptions.Settings(result);
            if (!settings.Notifications.AnyChannel)
            {
                throw new CliException("no channel is configured: set TOKENWARD_SMTP_HOST and/or TOKENWARD_WEBHOOK_URLS.");
            }

            await using var services = await CliServices.StartAsync(settings, ct);
            var sent = await services.Get<ExpiryNotifier>().RunOnceAsync(ct);
            await Console.Out.WriteLineAsync(result.GetValue(GlobalOptions.Format) == "json"
                ? JsonSerializer.Serialize(sent)
                : string.Join(", ", sent.Select(kv => $"{kv.Key}: {kv.Value}")) + " notices sent.");
            return 0;
        });
        return command;
    }
}
