using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Tokenward.LogAnalysis;
using Tokenward.Toolkit;

namespace Tokenward.Cli;

/// <summary>
/// <c>tokenward tokens at-risk</c>: active tokens that expire soon and are still in use, the most
/// traffic first, each with the fix (<see cref="AtRiskToken"/>). On the database or a remote API;
/// <c>--log</c> reads <c>api_json.log</c> files for each token's calls per day.
/// </summary>
public static class AtRiskCommand
{
    public static Command Create()
    {
        var within = new Option<string>("--within") { Description = "Tokens that expire from tomorrow up to this much later: 7d, 2w, 1m (default 30d)", DefaultValueFactory = _ => "30d" };
        var usedWithin = new Option<string>("--used-within") { Description = "...and were last used this recently: 7d, 30d, 3m (default 30d)", DefaultValueFactory = _ => "30d" };
        var log = new Option<string[]>("--log") { Description = "api_json.log files, folders or globs (rotated and gzip too): order by their calls per day", AllowMultipleArgumentsPerToken = true };
        var command = new Command("at-risk", "Active tokens that expire soon and are still in use, the most traffic first, each with its fix") { within, usedWithin, log };
        TokenReportCommands.AddCommon(command);
        command.SetAction(async (result, ct) =>
        {
            var period = ToolkitOptions.Period("--within", result.GetValue(within)!);
            var used = ToolkitOptions.Period("--used-within", result.GetValue(usedWithin)!);
            var calls = result.GetValue(log) is { Length: > 0 } files ? TokenCallCounts.Scan(LogInput.Expand(files), ct) : null;
            await using var source = await ToolkitSource.OpenReportsAsync(result, ct);
            var filter = await source.Reports.ResolveAsync(ToolkitOptions.Input(result), ct);
            var tokens = await AtRiskReport.SelectAsync(source.Reports, filter, source.Today, period, used, calls, ct);
            await WriteAsync(tokens, result.GetValue(GlobalOptions.Format)!, calls is not null, Console.Out);
            return 0;
        });
        return command;
    }

    private static async Task WriteAsync(List<AtRiskToken> tokens, string format, bool withCalls, TextWriter output)
    {
        if (format == ReportFormat.Json)
        {
            await output.WriteLineAsync(new JsonArray([.. tokens.Select(t => t.ToJson())]).ToJsonString());
            return;
        }

        if (tokens.Count == 0 && format != ReportFormat.Csv)
        {
            await output.WriteLineAsync("No token at risk: none that expires in the period was used in the other.");
            return;
        }

        List<string> headers = ["ID", "KIND", "NAME", "OWNER", "EXPIRES", "DAYS", "LAST USED", .. withCalls ? ["CALLS/DAY"] : Array.Empty<string>(), "FIX", "COMMAND"];
        await CliTable.WriteAsync(output, format, format == ReportFormat.Csv ? [.. headers.Select(h => h.ToLowerInvariant().Replace(' ', '_').Replace("/", "_per_", StringComparison.Ordinal))] : headers,
            tokens.Select(t => (IReadOnlyList<string?>)[
                t.Token.Id.ToString(CultureInfo.InvariantCulture),
                t.Token.Kind,
                t.Token.Name,
                t.Token.ResourceType is null ? t.Token.Username : $"{t.Token.ResourceType} {t.Token.ResourcePath}",
                t.Token.ExpiresAt!.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                t.DaysLeft.ToString(CultureInfo.InvariantCulture),
                t.Token.LastUsedAt!.Value.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                .. withCalls ? [(t.CallsPerDay ?? 0).ToString("0.#", CultureInfo.InvariantCulture)] : Array.Empty<string?>(),
                t.Fix,
                t.FixCommand,
            ]));
        if (format != ReportFormat.Csv)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{tokens.Count} token{(tokens.Count == 1 ? string.Empty : "s")} at risk: {tokens.Count(t => t.Fix == AtRiskToken.Extend)} to extend now, {tokens.Count(t => t.Fix == AtRiskToken.Rotate)} to rotate, {tokens.Count(t => t.Fix == AtRiskToken.NotifyOwner)} owner{(tokens.Count(t => t.Fix == AtRiskToken.NotifyOwner) == 1 ? string.Empty : "s")} to tell."));
        }
    }
}
