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
        var show = new Command("show", "Show the token settings in force");
        show.SetAction(async (result, ct) =>
        {
            await using var services = await CliServices.StartAsync(GlobalOptions.Settings(result), ct);
            await PrintAsync(await services.Get<ApplicationSettings>().PolicyAsync(ct));
            return 0;
        });

        var require = new Option<bool?>("--require-token-expiry") { Description = "require_personal_access_token_expiry: true or false" };
        var max = new Option<int?>("--max-token-lifetime") { Description = "max_personal_access_token_lifetime in days (1-400)" };
        var set = new Command("set", "Change token settings (audited)") { require, max };
        set.SetAction(async (result, ct) =>
        {
            if (result.GetValue(require) is null && result.GetValue(max) is null)
            {
                throw new CliException("nothing to set: give --require-token-expiry and/or --max-token-lifetime.");
            }

            await using var services = await CliServices.StartAsync(GlobalOptions.Settings(result), ct);
            await PrintAsync(await services.Get<ApplicationSettings>().UpdateAsync(result.GetValue(require), result.GetValue(max), ct));
            return 0;
        });

        return new Command("settings", "Instance token settings (GitLab's application settings)") { show, set };
    }

    private static Task PrintAsync(TokenPolicy policy)
    {
        var options = new JsonSerializerOptions { WriteIndented = true };
        GitLabJson.Configure(options);
        return Console.Out.WriteLineAsync(JsonSerializer.Serialize(policy, options));
    }
}
