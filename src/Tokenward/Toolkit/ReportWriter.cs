using System.Globalization;
using System.Text.Json;
using Tokenward.Api;

namespace Tokenward.Toolkit;

/// <summary>
/// Writes a report row by row as it arrives, in any <see cref="ReportFormat"/>: nothing is held
/// but the current row, so a million-token report needs no more memory than a ten-token one.
/// </summary>
public static class ReportWriter
{
    public static readonly JsonSerializerOptions JsonOptions = CreateJsonOptions();

    private static readonly string[] CsvColumns =
    [
        "id", "kind", "name", "user_id", "username", "user_email", "user_state", "resource_type", "resource_id", "resource_path",
        "scopes", "expires_at", "last_used_at", "created_at", "expiry_backfilled",
    ];

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var options = new JsonSerializerOptions();
        GitLabJson.Configure(options);
        return options;
    }

    /// <param name="sentence">The seed's sentence for a row, for <see cref="ReportFormat.Lines"/>.</param>
    /// <returns>How many rows were written.</returns>
    public static async Task<int> WriteAsync(IAsyncEnumerable<ReportRow> rows, string format, TextWriter output, Func<ReportRow, string> sentence, CancellationToken ct)
    {
        var count = 0;
        switch (format)
        {
            case ReportFormat.Json:
                await output.WriteAsync('[');
                await foreach (var row in rows.WithCancellation(ct))
                {
                    await output.WriteAsync(count++ == 0 ? "\n" : ",\n");
                    await output.WriteAsync(JsonSerializer.Serialize(ReportRowJson.From(row), JsonOptions));
                }

                await output.WriteLineAsync(count == 0 ? "]" : "\n]");
                break;
            case ReportFormat.Csv:
                await output.WriteLineAsync(string.Join(',', CsvColumns));
                await foreach (var row in rows.WithCancellation(ct))
                {
                    count++;
                    await output.WriteLineAsync(CsvLine(row));
                }

                break;
            case ReportFormat.Lines:
                await foreach (var row in rows.WithCancellation(ct))
                {
                    count++;
                    await output.WriteLineAsync(sentence(row));
                }

                break;
            default:
                await output.WriteLineAsync(TableHeader);
                await foreach (var row in rows.WithCancellation(ct))
                {
                    count++;
                    await output.WriteLineAsync(TableLine(row));
                }

                await output.WriteLineAsync(count == 1 ? "1 token" : string.Create(CultureInfo.InvariantCulture, $"{count} tokens"));
                break;
        }

        await output.FlushAsync(ct);
        return count;
    }

    public static async Task WriteDatesAsync(IReadOnlyList<ExpiryDateCount> dates, string format, TextWriter output, CancellationToken ct)
    {
        switch (format)
        {
            case ReportFormat.Json:
                await output.WriteLineAsync(JsonSerializer.Serialize(dates.Select(d => new { expires_at = d.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), count = d.Count })));
                break;
            case ReportFormat.Csv:
                await output.WriteLineAsync("expires_at,count");
                foreach (var d in dates)
                {
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{d.Date:yyyy-MM-dd},{d.Count}"));
                }

                break;
            case ReportFormat.Lines:
                foreach (var d in dates)
                {
                    await output.WriteLineAsync(SeedLines.ExpiryDate(d));
                }

                break;
            default:
                if (dates.Count == 0)
                {
                    await output.WriteLineAsync("No active token has an expiry date.");
                    break;
                }

                var most = dates.Max(d => d.Count);
                var width = Math.Max(10, Math.Min(50, TerminalWidth() - 30));
                await output.WriteLineAsync($"{"EXPIRES AT",-12}{"TOKENS",8}  ");
                foreach (var d in dates)
                {
                    var bar = new string('█', Math.Max(1, (int)Math.Round((double)d.Count / most * width)));
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{d.Date:yyyy-MM-dd}  {d.Count,8}  {bar}"));
                }

                break;
        }

        await output.FlushAsync(ct);
    }

    private const int NameWidth = 24;
    private const int OwnerWidth = 24;

    private static readonly string TableHeader =
        $"{"ID",-8} {"KIND",-13} {"NAME",-NameWidth} {"OWNER",-OwnerWidth} {"EXPIRES",-10} {"LAST USED",-16} SCOPES";

    private static string TableLine(ReportRow r)
    {
        var owner = r.ResourceType is null ? r.Username : $"{r.ResourceType}:{r.ResourcePath ?? r.ResourceId?.ToString(CultureInfo.InvariantCulture)}";
        if (r.UserState != Core.Authentication.UserStates.Active)
        {
            owner += $" ({r.UserState})";
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"{r.Id,-8} {r.Kind,-13} {Fit(r.Name, NameWidth),-NameWidth} {Fit(owner, OwnerWidth),-OwnerWidth} {r.ExpiresAt?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "never",-10} {r.LastUsedAt?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "never",-16} {string.Join(',', r.ScopeList())}");
    }

    private static string Fit(string text, int width) => text.Length <= width ? text : string.Concat(text.AsSpan(0, width - 1), "…");

    private static int TerminalWidth()
    {
        try
        {
            return Console.IsOutputRedirected ? 80 : Math.Max(40, Console.WindowWidth);
        }
        catch (IOException)
        {
            return 80;
        }
    }

    private static string CsvLine(ReportRow r)
    {
        string?[] values =
        [
            r.Id.ToString(CultureInfo.InvariantCulture), r.Kind, r.Name, r.UserId.ToString(CultureInfo.InvariantCulture), r.Username, r.UserEmail, r.UserState,
            r.ResourceType, r.ResourceId?.ToString(CultureInfo.InvariantCulture), r.ResourcePath, string.Join(' ', r.ScopeList()),
            r.ExpiresAt?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), r.LastUsedAt is { } used ? GitLabJson.FormatTime(used) : null,
            GitLabJson.FormatTime(r.CreatedAt), r.ExpiryBackfilled ? "true" : "false",
        ];
        return Csv.Line(values);
    }
}
