using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tokenward.Api;

namespace Tokenward.LogAnalysis;

/// <summary>The result of <c>tokenward logs auth-failures</c>, as JSON (snake_case) and as the table and CSV built from it.</summary>
public sealed record AuthFailureReport(
    IReadOnlyList<string> Inputs,
    long Lines,
    long Bytes,
    long Malformed,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? MalformedLines,
    long Failures,
    DateTime? FirstSeen,
    DateTime? LastSeen,
    IReadOnlyList<AuthFailureReport.Tally> ByReason,
    IReadOnlyList<AuthFailureReport.Token> Tokens,
    IReadOnlyList<AuthFailureReport.Tally> ByIp,
    IReadOnlyList<AuthFailureReport.Tally> ByRoute,
    IReadOnlyList<AuthFailureReport.Tally> UnknownTokenByIp,
    IReadOnlyList<AuthFailureReport.Hour> Timeline)
{
    public sealed record Tally(string Key, long Count);

    public sealed record Hour(DateTime Start, long Count);

    public sealed record Token(
        string Id,
        long Count,
        DateTime? FirstSeen,
        DateTime? LastSeen,
        IReadOnlyDictionary<string, long> Reasons,
        IReadOnlyList<string> Ips,
        IReadOnlyList<string> UserAgents,
        IReadOnlyList<string> Paths,
        IReadOnlyList<string> RequestedScopes,
        string? User,
        TokenInfo? Inventory,
        string? Suggestion);

    public static AuthFailureReport From(IReadOnlyList<string> inputs, AuthFailureStats stats, IReadOnlyList<string>? malformedLines, IReadOnlyDictionary<string, TokenInfo>? inventory) => new(
        inputs,
        stats.Lines,
        stats.Bytes,
        stats.Malformed,
        malformedLines,
        stats.Failures,
        stats.FirstSeen,
        stats.LastSeen,
        Sorted(stats.ByReason),
        stats.ByToken.OrderByDescending(t => t.Value.Count).ThenBy(t => t.Key, StringComparer.Ordinal).Select(t =>
        {
            var info = inventory?.GetValueOrDefault(t.Key);
            return new Token(t.Key, t.Value.Count, t.Value.FirstSeen, t.Value.LastSeen,
                new SortedDictionary<string, long>(t.Value.Reasons, StringComparer.Ordinal),
                [.. t.Value.Ips.Order(StringComparer.Ordinal)], [.. t.Value.UserAgents.Order(StringComparer.Ordinal)], [.. t.Value.Paths.Order(StringComparer.Ordinal)],
                [.. t.Value.RequestedScopes.Order(StringComparer.Ordinal)], t.Value.User,
                info, inventory is null ? null : Suggestions.For(t.Value, info));
        }).ToList(),
        Sorted(stats.ByIp),
        Sorted(stats.ByRoute),
        Sorted(stats.UnknownByIp),
        stats.Timeline.OrderBy(h => h.Key).Select(h => new Hour(h.Key, h.Value)).ToList());

    private static List<Tally> Sorted(Dictionary<string, long> counts) =>
        counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Select(c => new Tally(c.Key, c.Value)).ToList();

    public static readonly JsonSerializerOptions JsonOptions = CreateJsonOptions();

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var options = new JsonSerializerOptions { WriteIndented = true };
        GitLabJson.Configure(options);
        return options;
    }

    public async Task WriteJsonAsync(TextWriter output) => await output.WriteLineAsync(JsonSerializer.Serialize(this, JsonOptions));

    public async Task WriteCsvAsync(TextWriter output)
    {
        await output.WriteLineAsync("token,count,first_seen,last_seen,reasons,ips,user_agents,paths,kind,name,owner,scopes,expires_at,state,suggestion");
        foreach (var t in Tokens)
        {
            string?[] values =
            [
                t.Id, t.Count.ToString(CultureInfo.InvariantCulture), Time(t.FirstSeen), Time(t.LastSeen),
                string.Join(' ', t.Reasons.Select(r => $"{r.Key}={r.Value}")), string.Join(' ', t.Ips), string.Join(" | ", t.UserAgents), string.Join(' ', t.Paths),
                t.Inventory?.Kind, t.Inventory?.Name, t.Inventory?.Owner, t.Inventory is { } i ? string.Join(' ', i.Scopes) : null,
                t.Inventory?.ExpiresAt?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), t.Inventory?.State, t.Suggestion,
            ];
            await output.WriteLineAsync(Toolkit.Csv.Line(values));
        }
    }

    public async Task WriteTableAsync(TextWriter output, int top)
    {
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{Lines:N0} lines ({Bytes / 1048576.0:N1} MB) in {Inputs.Count} input(s); {Failures:N0} failed authentications{(FirstSeen is { } f ? $" from {f:yyyy-MM-dd HH:mm} to {LastSeen:yyyy-MM-dd HH:mm} UTC" : string.Empty)}; {Malformed:N0} malformed lines{(Malformed > 0 && MalformedLines is null ? " (--verbose lists them)" : string.Empty)}."));
        foreach (var at in MalformedLines ?? [])
        {
            await output.WriteLineAsync("  malformed: " + at);
        }

        await SectionAsync(output, "REASON", ByReason, top);
        if (Tokens.Count > 0)
        {
            await output.WriteLineAsync();
            await output.WriteLineAsync($"{"TOKEN",-28} {"FAILURES",9} {"FIRST SEEN",-16} {"LAST SEEN",-16} {"IPS",4} {"UAS",4} REASONS");
            foreach (var t in Tokens.Take(top))
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{t.Id,-28} {t.Count,9} {t.FirstSeen:yyyy-MM-dd HH:mm} {t.LastSeen:yyyy-MM-dd HH:mm} {t.Ips.Count,4} {t.UserAgents.Count,4} {string.Join(',', t.Reasons.Select(r => r.Key))}"));
                if (t.Inventory is { } i)
                {
                    await output.WriteLineAsync($"    {i.Kind} '{i.Name}' of {i.Owner}, scopes {string.Join(',', i.Scopes)}, expires {i.ExpiresAt?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "never"}, {i.State}");
                }

                await output.WriteLineAsync($"    from {string.Join(", ", t.Ips.Take(5))}{(t.Ips.Count > 5 ? ", ..." : string.Empty)}; {string.Join(" | ", t.UserAgents.Take(3))}");
                if (t.Suggestion is { } s)
                {
                    await output.WriteLineAsync("    fix: " + s);
                }
            }

            await More(output, Tokens.Count, top);
        }

        await SectionAsync(output, "CLIENT IP (known tokens)", ByIp, top);
        await SectionAsync(output, "ROUTE", ByRoute, top);
        await SectionAsync(output, "CLIENT IP (unknown or missing token)", UnknownTokenByIp, top);
        if (Timeline.Count > 0)
        {
            await output.WriteLineAsync();
            await output.WriteLineAsync("HOUR (UTC)        FAILURES");
            var shown = Timeline.TakeLast(72).ToList();
            var most = shown.Max(h => h.Count);
            foreach (var h in shown)
            {
                var bar = new string('█', Math.Max(1, (int)Math.Round(40.0 * h.Count / most)));
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{h.Start:yyyy-MM-dd HH}:00  {h.Count,9}  {bar}"));
            }

            if (Timeline.Count > shown.Count)
            {
                await output.WriteLineAsync($"(the last {shown.Count} of {Timeline.Count} hours; --format json has them all)");
            }
        }
    }

    private static async Task SectionAsync(TextWriter output, string title, IReadOnlyList<Tally> counts, int top)
    {
        if (counts.Count == 0)
        {
            return;
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync($"{title,-48} {"FAILURES",9}");
        foreach (var c in counts.Take(top))
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{(c.Key.Length > 48 ? c.Key[..47] + "…" : c.Key),-48} {c.Count,9}"));
        }

        await More(output, counts.Count, top);
    }

    private static async Task More(TextWriter output, int count, int top)
    {
        if (count > top)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"... and {count - top} more (--top N, or --format json)"));
        }
    }

    private static string? Time(DateTime? t) => t is { } v ? GitLabJson.FormatTime(v) : null;
}
