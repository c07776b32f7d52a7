using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Tokenward.LogAnalysis;
using Tokenward.Toolkit;

namespace Tokenward.Cli;

/// <summary>
/// <c>tokenward logs token-activity --token-id N</c>: which token did what. Its calls per day,
/// endpoints, addresses and user agents, and when it was last seen, from <c>api_json.log</c>
/// (rotated and gzip files too): what to check before rotating or revoking a token, and what a
/// leaked one was used for.
/// </summary>
public static class TokenActivityCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("FILES") { Description = "Logs: files, globs, folders (their api_json.log*), gzip or not; - or nothing for standard input", Arity = ArgumentArity.ZeroOrMore };
        var tokenId = new Option<string>("--token-id") { Description = "The token: 12 or PersonalAccessToken/12", Required = true };
        var since = new Option<string?>("--since") { Description = $"Only calls at or after this time: {ToolkitOptions.TimeFormats}" };
        var until = new Option<string?>("--until") { Description = $"Only calls before this time: {ToolkitOptions.TimeFormats}" };
        var top = new Option<int>("--top") { Description = "Rows per table section (default 20)", DefaultValueFactory = _ => 20 };
        var command = new Command("token-activity", "What one token did, from api_json.log: calls per day, endpoints, addresses, user agents, last seen")
        {
            files, tokenId, since, until, GlobalOptions.Format, top,
        };
        command.SetAction(async (result, ct) =>
        {
            var format = GlobalOptions.FormatWithoutLines(result);
            var raw = result.GetValue(tokenId)!;
            var number = raw.StartsWith("PersonalAccessToken/", StringComparison.Ordinal) ? raw["PersonalAccessToken/".Length..] : raw;
            if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id < 1)
            {
                throw new CliException($"--token-id: '{raw}' is not a token id (12 or PersonalAccessToken/12).");
            }

            if (result.GetValue(top) < 1)
            {
                throw new CliException("--top must be at least 1.");
            }

            var args = result.GetValue(files) ?? [];
            if (args.Length == 0 && !Console.IsInputRedirected)
            {
                throw new CliException("name the logs to read (files, globs or a folder), or pipe one in.");
            }

            var now = TimeProvider.System.GetUtcNow();
            var from = result.GetValue(since) is { } s ? ToolkitOptions.Time("--since", s, now) : (DateTime?)null;
            var to = result.GetValue(until) is { } u ? ToolkitOptions.Time("--until", u, now) : (DateTime?)null;
            var inputs = LogInput.Expand(args);
            var activity = await Task.Run(() => TokenActivity.Scan(inputs, id, from, to, ct), ct);
            await using var output = ToolkitSource.Output();
            if (format == ReportFormat.Json)
            {
                await WriteJsonAsync(output, activity);
            }
            else
            {
                await WriteTablesAsync(output, format, activity, result.GetValue(top));
            }

            return 0;
        });
        return command;
    }

    private static string? Time(DateTime? t) => t?.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static async Task WriteTablesAsync(TextWriter output, string format, TokenActivity a, int top)
    {
        if (format != ReportFormat.Csv)
        {
            await output.WriteLineAsync(a.Calls == 0
                ? string.Create(CultureInfo.InvariantCulture, $"Token {a.TokenId}: no calls in these logs.")
                : string.Create(CultureInfo.InvariantCulture, $"Token {a.TokenId}: {N(a.Calls)} calls ({N(a.Succeeded)} succeeded, {N(a.Refused)} refused), first {Time(a.FirstSeen) ?? "-"}, last seen {Time(a.LastSeen) ?? "-"} from {a.LastAddress ?? "-"}"));
            if (a.Calls == 0)
            {
                return;
            }

            await output.WriteLineAsync();
        }

        // CSV: one table, each row naming its section, so it loads as one sheet.
        if (format == ReportFormat.Csv)
        {
            var rows = a.Days.Select(d => Row("day", d.Key.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d.Value))
                .Concat(TokenActivity.Top(a.Endpoints, top).Select(e => Row("endpoint", e.Key, e.Value)))
                .Concat(TokenActivity.Top(a.Addresses, top).Select(e => Row("address", e.Key, e.Value)))
                .Concat(TokenActivity.Top(a.UserAgents, top).Select(e => Row("user_agent", e.Key, e.Value)));
            await CliTable.WriteAsync(output, format, ["section", "key", "calls", "refused", "last_seen"], rows);
            return;
        }

        await CliTable.WriteAsync(output, format, ["DAY", "CALLS", "REFUSED"], a.Days.Select(d => (IReadOnlyList<string?>)[d.Key.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), N(d.Value.Calls), N(d.Value.Refused)]));
        foreach (var (title, counts) in new[] { ("ENDPOINT", a.Endpoints), ("ADDRESS", a.Addresses), ("USER AGENT", a.UserAgents) })
        {
            await output.WriteLineAsync();
            await CliTable.WriteAsync(output, format, [title, "CALLS", "REFUSED", "LAST SEEN"], TokenActivity.Top(counts, top)
                .Select(e => (IReadOnlyList<string?>)[e.Key, N(e.Value.Calls), N(e.Value.Refused), Time(e.Value.LastSeen)]));
        }
    }

    private static IReadOnlyList<string?> Row(string section, string key, TokenActivity.Count c) =>
        [section, key, c.Calls.ToString(CultureInfo.InvariantCulture), c.Refused.ToString(CultureInfo.InvariantCulture), Time(c.LastSeen)];

    private static async Task WriteJsonAsync(TextWriter output, TokenActivity a)
    {
        static object Counts(IEnumerable<KeyValuePair<string, TokenActivity.Count>> counts, string key) =>
            counts.Select(c => new Dictionary<string, object?> { [key] = c.Key, ["calls"] = c.Value.Calls, ["refused"] = c.Value.Refused, ["last_seen"] = Time(c.Value.LastSeen) }).ToList();

        var json = new Dictionary<string, object?>
        {
            ["token_id"] = a.TokenId,
            ["calls"] = a.Calls,
            ["succeeded"] = a.Succeeded,
            ["refused"] = a.Refused,
            ["first_seen"] = Time(a.FirstSeen),
            ["last_seen"] = Time(a.LastSeen),
            ["last_address"] = a.LastAddress,
            ["days"] = a.Days.Select(d => new { date = d.Key.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), calls = d.Value.Calls, refused = d.Value.Refused }).ToList(),
            ["endpoints"] = Counts(TokenActivity.Top(a.Endpoints, int.MaxValue), "endpoint"),
            ["addresses"] = Counts(TokenActivity.Top(a.Addresses, int.MaxValue), "ip"),
            ["user_agents"] = Counts(TokenActivity.Top(a.UserAgents, int.MaxValue), "user_agent"),
        };
        await output.WriteLineAsync(JsonSerializer.Serialize(json));
    }
}
