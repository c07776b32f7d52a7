using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Tokenward.Api;
using Tokenward.Settings;
using Tokenward.Toolkit;

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
        var yes = new Option<bool>("--yes") { Description = "Apply a stricter policy although the preview shows tokens it changes at their next rotation" };
        var set = new Command("set", "Change token settings (audited); a stricter policy shows which tokens it changes (as tokens policy-preview) and needs --yes") { require, max, yes, GlobalOptions.Format };
        set.SetAction(async (result, ct) =>
        {
            if (result.GetValue(require) is null && result.GetValue(max) is null)
            {
                throw new CliException("nothing to set: give --require-token-expiry and/or --max-token-lifetime.");
            }

            var format = GlobalOptions.FormatWithoutLines(result);
            await using var services = await CliServices.StartAsync(GlobalOptions.Settings(result), ct);
            var current = await services.Get<ApplicationSettings>().PolicyAsync(ct);
            var stricter = result.GetValue(max) < current.MaxPersonalAccessTokenLifetime || (result.GetValue(require) == true && !current.RequirePersonalAccessTokenExpiry);
            if (stricter)
            {
                // The same preview as tokens policy-preview, over every active token, before anything changes.
                var all = await services.Get<TokenInventory>().ResolveAsync(new FilterInput(), ct);
                var preview = await services.Get<PolicyPreview>().PreviewAsync(all, result.GetValue(require), result.GetValue(max), ct);
                if (preview.Affected > 0 && !result.GetValue(yes))
                {
                    await PolicyPreviewCommand.PrintAsync(Console.Out, preview, format);
                    throw new CliException(string.Create(CultureInfo.InvariantCulture, $"the new policy changes {preview.Affected} tokens at their next rotation (see above); nothing was changed: add --yes to apply it."));
                }

                if (preview.Affected > 0 && format == ReportFormat.Table)
                {
                    await PolicyPreviewCommand.PrintAsync(Console.Out, preview, format);
                    await Console.Out.WriteLineAsync();
                }
            }

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
        if (format == ReportFormat.Json)
        {
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(json, options));
            return;
        }

        await CliTable.WriteAsync(Console.Out, format, ["SETTING", "VALUE"], json.EnumerateObject().Select(p => new[] { p.Name, p.Value.ToString() }));
    }
}
