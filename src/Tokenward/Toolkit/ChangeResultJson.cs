using System.Globalization;
using System.Text.Json.Nodes;

namespace Tokenward.Toolkit;

/// <summary>A bulk change's outcome as JSON, the same from the CLI's <c>--format json</c> and the admin API.</summary>
public static class ChangeResultJson
{
    public static JsonObject From(ChangeResult r)
    {
        var json = new JsonObject
        {
            ["action"] = r.Action,
            ["dry_run"] = r.DryRun,
            ["new_expiry"] = r.NewExpiry?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["total"] = r.Total,
            ["per_kind"] = new JsonObject(r.Selected.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["changed"] = r.Changed,
            ["skipped"] = r.Skipped,
            ["skipped_reason"] = r.SkippedReason,
        };
        if (r.Spread is { } spread)
        {
            json["spread"] = new JsonObject
            {
                ["from"] = Date(spread.From),
                ["to"] = Date(spread.To),
                ["workdays"] = spread.Workdays,
                ["already_moved"] = spread.AlreadyMoved,
                ["per_day"] = new JsonArray(spread.PerDay.Select(d => (JsonNode)new JsonObject { ["date"] = Date(d.Date), ["tokens"] = d.Tokens }).ToArray()),
            };
        }

        return json;
    }

    private static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static DateOnly ParseDate(JsonNode? node) => DateOnly.ParseExact((string)node!, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Reads back what <see cref="From"/> wrote (the CLI does, from a remote server's answer).</summary>
    /// <exception cref="ToolkitException">when the answer is not such an object.</exception>
    public static ChangeResult Read(JsonNode? node)
    {
        try
        {
            var o = node!.AsObject();
            return new ChangeResult(
                (string)o["action"]!,
                (bool)o["dry_run"]!,
                o["new_expiry"] is { } d ? ParseDate(d) : null,
                o["per_kind"]!.AsObject().ToDictionary(kv => kv.Key, kv => (int)kv.Value!),
                (int)o["changed"]!,
                (int)o["skipped"]!,
                (string?)o["skipped_reason"])
            {
                Spread = o["spread"] is JsonObject s
                    ? new SpreadSummary(
                        ParseDate(s["from"]),
                        ParseDate(s["to"]),
                        (bool)s["workdays"]!,
                        s["per_day"]!.AsArray().Select(d => new SpreadDay(ParseDate(d!["date"]), (int)d["tokens"]!)).ToList(),
                        (int)s["already_moved"]!)
                    : null,
            };
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException or ArgumentException)
        {
            throw new ToolkitException($"the server's answer is not a bulk change's outcome: {e.Message}");
        }
    }
}
