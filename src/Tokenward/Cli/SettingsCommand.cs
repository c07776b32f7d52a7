using System.CommandLine;
using System.Text.Json;
using Tokenward.Api;
using Tokenward.Settings;

namespace Tokenward.Cli;

/// <summary><c>tokenward settings show|set</c>: the token settings, straight on the database.</summary>
public static class SettingsCommand
{
    public static Command Create()
    {
        var show = new Command("show", "Show the token settings in force") { GlobalOptions.Format };
        show.SetAction(async (result, ct) =>
        {
            var format = GlobalOptions.FormatWithoutLines(result);
            await using var services = await CliServices.StartAsync(GlobalOptions.Settings(result), ct);
            await PrintAsync(await services.Get<ApplicationSettings>().PolicyAsync(ct), format);
            return 0;
        });

        var require = new Option<bool?>("--require-token-expiry") { Description = "require_personal_access_token_expiry: true or false" };
        var max = new Option<int?>("--max-token-lifetime") { Description = "max_personal_access_token_lifetime in days (1-400)" };
        var set = new Command("set", "Change token settings (audited)") { require, max, GlobalOptions.Format };
        set.SetAction(async (result, ct) =>
        {
            if (result.GetValue(require) is null && result.GetValue(max) is null)
            {
                throw new CliException("nothing to set: give --require-token-expiry and/or --max-token-lifetime.");
            }

            var format = GlobalOptions.FormatWithoutLines(result);
            await using var services = await CliServices.StartAsync(GlobalOptions.Settings(result), ct);
            await PrintAsync(await services.Get<ApplicationSettings>().UpdateAsync(result.GetValue(require), result.GetValue(max), ct), format);
            return 0;
        });

        return new Command("settings", "Instance token settings (GitLab's application settings)") { show, set };
    }

    /// <summary>JSON in GitLab's field names (as <c>GET /application/settings</c>), or a SETTING / VALUE table with the same names.</summary>
    private static async Task PrintAsync(TokenPolicy policy, string format)
    {
        var options = new JsonSerializerOptions { WriteIndented = true };
        GitLabJson.Configure(options);
        var json = JsonSerializer.SerializeToElement(policy, options);
        if (format == Toolkit.ReportFormat.Json)
        {
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(json, options));
            return;
        }

        await CliTable.WriteAsync(Console.Out, format, ["SETTING", "VALUE"], json.EnumerateObject().Select(p => new[] { p.Name, p.Value.ToString() }));
    }
}
