using System.CommandLine;
using System.Globalization;
using Tokenward.Toolkit;

namespace Tokenward.Cli;

/// <summary>
/// <c>tokenward tokens policy-preview [--max-lifetime DAYS] [--require-expiry]</c>: what a stricter
/// token policy would do at the tokens' next rotation; <c>settings set</c> prints the same.
/// </summary>
public static class PolicyPreviewCommand
{
    public static Command Create()
    {
        var max = new Option<int?>("--max-lifetime") { Description = "The maximum token lifetime to preview, in days (1-400; default: the one in force)" };
        var require = new Option<bool>("--require-expiry") { Description = "Preview requiring an expiry on every token" };
        var command = new Command("policy-preview", "Which tokens a stricter policy (max_personal_access_token_lifetime, require_personal_access_token_expiry) would shorten or give an expiry at their next rotation, per owner and kind") { max, require, GlobalOptions.Format };
        foreach (var option in ToolkitOptions.Filters)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, ct) =>
        {
            var format = GlobalOptions.FormatWithoutLines(result);
            await using var services = await CliServices.StartAsync(GlobalOptions.Settings(result), ct);
            var filter = await services.Get<TokenInventory>().ResolveAsync(ToolkitOptions.Input(result), ct);
            var preview = await services.Get<PolicyPreview>().PreviewAsync(filter, result.GetValue(require) ? true : null, result.GetValue(max), ct);
            await PrintAsync(Console.Out, preview, format);
            return 0;
        });
        return command;
    }

    /// <summary>A summary and a table per owner and kind; JSON (<see cref="PolicyPreviewJson"/>); or CSV, a row per owner and kind.</summary>
    public static async Task PrintAsync(TextWriter output, PolicyPreviewResult p, string format)
    {
        string[] header = ["owner", "kind", "user_id", "shortened", "get_expiry", "earliest_expiry"];
        var rows = p.Owners.Select(o => new[]
        {
            o.Owner, o.Kind, o.UserId.ToString(CultureInfo.InvariantCulture), o.Shortened.ToString(CultureInfo.InvariantCulture),
            o.GetExpiry.ToString(CultureInfo.InvariantCulture), o.EarliestExpiry?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? string.Empty,
        }).ToList();
        switch (format)
        {
            case ReportFormat.Json:
                await output.WriteLineAsync(PolicyPreviewJson.From(p).ToJsonString());
                return;
            case ReportFormat.Csv:
                await CliTable.WriteAsync(output, ReportFormat.Csv, header, rows);
                return;
        }

        var policy = p.Proposed;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Policy: maximum lifetime {policy.MaxPersonalAccessTokenLifetime} days (a token rotated today gets {p.Latest:yyyy-MM-dd} at most), expiry {(policy.RequirePersonalAccessTokenExpiry ? "required" : "not required")}; a rotation without a date gives {(p.RotationExpiry is { } d ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "no expiry")}."));
        if (p.Affected == 0)
        {
            await output.WriteLineAsync("No active token would change at its next rotation.");
            return;
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{p.Shortened.Values.Sum()} tokens would be shortened (their expiry is after {p.Latest:yyyy-MM-dd}), {p.GetExpiry.Values.Sum()} without an expiry would get one, at their next rotation."));
        await output.WriteLineAsync();
        await output.WriteLineAsync($"{"KIND",-15} {"SHORTENED",9} {"GET EXPIRY",10}");
        foreach (var kind in TokenKinds.All)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{kind,-15} {p.Shortened[kind],9} {p.GetExpiry[kind],10}"));
        }

        await output.WriteLineAsync();
        await CliTable.WriteAsync(output, ReportFormat.Table, ["OWNER", "KIND", "USER ID", "SHORTENED", "GET EXPIRY", "EARLIEST EXPIRY"], rows);
    }
}
