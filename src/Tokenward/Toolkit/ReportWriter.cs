using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Tokenward.Api;

namespace Tokenward.Toolkit;

/// <summary>
/// Writes a report row by row as it arrives, in any <see cref="ReportFormat"/>: nothing is held
/// but the current row, so a million-token report needs no more memory than a ten-token one.
/// </summary>
public static class ReportWriter
{
    private static readonly string[] CsvColumns =
    [
        "id", "kind", "name", "user_id", "username", "user_email", "user_state", "resource_type", "resource_id", "resource_path",
        "scopes", "expires_at", "last_used_at", "created_at", "expiry_backfilled",
    ];

    /// <param name="output">Receives UTF-8; left open.</param>
    /// <param name="sentence">The seed's sentence for a row, for <see cref="ReportFormat.Lines"/>.</param>
    /// <returns>How many rows were written.</returns>
    public static async Task<int> WriteAsync(IAsyncEnumerable<ReportRow> rows, string format, Stream output, Func<ReportRow, string> sentence, CancellationToken ct)
    {
        if (format == ReportFormat.Json)
        {
            return await WriteJsonAsync(rows, output, ct);
        }

        // Rows are written synchronously into the writer's buffer: an awaited write per row of a
        // hundred-thousand-row report costs more than formatting it.
        await using var text = new StreamWriter(output, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        var count = 0;
        switch (format)
        {
            case ReportFormat.Csv:
                text.WriteLine(string.Join(',', CsvColumns));
                await foreach (var row in rows.WithCancellation(ct))
                {
                    count++;
                    text.WriteLine(CsvLine(row));
                }

                break;
            case ReportFormat.Lines:
                await foreach (var row in rows.WithCancellation(ct))
                {
                    count++;
                    text.WriteLine(sentence(row));
                }

                break;
            default:
                text.WriteLine(TableHeader);
                await foreach (var row in rows.WithCancellation(ct))
                {
                    count++;
                    text.WriteLine(TableLine(row));
                }

                text.WriteLine(count == 1 ? "1 token" : string.Create(CultureInfo.InvariantCulture, $"{count} tokens"));
                break;
        }

        await text.FlushAsync(ct);
        return count;
    }

    /// <summary>
    /// A JSON array, one object per line, written as UTF-8 straight into a buffer that goes to
    /// <paramref name="output"/> when full (no round trip through UTF-16).
    /// </summary>
    private static async Task<int> WriteJsonAsync(IAsyncEnumerable<ReportRow> rows, Stream output, CancellationToken ct)
    {
        const int FlushAt = 1 << 16;
        var buffer = new ArrayBufferWriter<byte>(FlushAt + 4096);
        buffer.Write("["u8);
        var count = 0;
        await foreach (var row in rows.WithCancellation(ct))
        {
            buffer.Write(count++ == 0 ? "\n"u8 : ",\n"u8);
            ReportRowJson.WriteRow(buffer, row);
            if (buffer.WrittenCount >= FlushAt)
            {
                output.Write(buffer.WrittenSpan);
                buffer.ResetWrittenCount();
            }
        }

        buffer.Write(count == 0 ? "]\n"u8 : "\n]\n"u8);
        await output.WriteAsync(buffer.WrittenMemory, ct);
        await output.FlushAsync(ct);
        return count;
    }

    /// <summary>
    /// The dates, most tokens first, as many as <paramref name="top"/>; the table says first which
    /// days are cliffs (<paramref name="cliffPercent"/>), including any beyond the top ones, and
    /// marks them. <paramref name="dates"/> holds at least every cliff (<see cref="ExpiryCliffs.MostCliffs"/>).
    /// </summary>
    public static async Task WriteDatesAsync(IReadOnlyList<ExpiryDateCount> dates, int top, double cliffPercent, string format, TextWriter output, CancellationToken ct)
    {
        var shown = dates.Take(top).ToList();
        switch (format)
        {
            case ReportFormat.Json:
                await output.WriteLineAsync(DatesJson(shown, cliffPercent));
                break;
            case ReportFormat.Csv:
                await output.WriteLineAsync("expires_at,count,share,cliff");
                foreach (var d in shown)
                {
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{d.Date:yyyy-MM-dd},{d.Count},{d.Share:0.####},{(d.IsCliff(cliffPercent) ? "true" : "false")}"));
                }

                break;
            case ReportFormat.Lines:
                foreach (var d in shown)
                {
                    await output.WriteLineAsync(SeedLines.ExpiryDate(d));
                }

                break;
            default:
                if (shown.Count == 0)
                {
                    await output.WriteLineAsync("No active token has an expiry date.");
                    break;
                }

                var cliffs = dates.Where(d => d.IsCliff(cliffPercent)).OrderBy(d => d.Date).ToList();
                var of = dates[0].ActiveWithDate;
                if (cliffs.Count == 0)
                {
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"No expiry cliff: no day holds {cliffPercent:0.##} % of the {of:N0} active tokens with a date."));
                }
                else
                {
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"{cliffs.Count} expiry cliff{(cliffs.Count == 1 ? string.Empty : "s")} (a day with {cliffPercent:0.##} % or more of the {of:N0} active tokens with a date):"));
                    foreach (var c in cliffs)
                    {
                        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {c.Date:yyyy-MM-dd}  {c.Count,8:N0} tokens  {c.Share * 100,5:0.#} %"));
                    }

                    await output.WriteLineAsync("  Spread them: tokenward tokens extend --expiring-on DATE --spread 4w --dry-run");
                }

                await output.WriteLineAsync();
                var most = shown.Max(d => d.Count);
                var width = Math.Max(10, Math.Min(50, TerminalWidth() - 38));
                await output.WriteLineAsync($"{"EXPIRES AT",-12}{"TOKENS",8}  {"SHARE",6}  ");
                foreach (var d in shown)
                {
                    var bar = new string('█', Math.Max(1, (int)Math.Round((double)d.Count / most * width)));
                    var mark = d.IsCliff(cliffPercent) ? " cliff" : string.Empty;
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{d.Date:yyyy-MM-dd}  {d.Count,8}  {d.Share * 100,5:0.0}%  {bar}{mark}"));
                }

                break;
        }

        await output.FlushAsync(ct);
    }

    /// <summary><c>[{"expires_at":"2027-05-22","count":42,"share":0.031,"cliff":true},...]</c>, as the endpoint answers.</summary>
    public static string DatesJson(IEnumerable<ExpiryDateCount> dates, double cliffPercent)
    {
        var bytes = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(bytes))
        {
            json.WriteStartArray();
            foreach (var d in dates)
            {
                json.WriteStartObject();
                json.WriteString("expires_at", GitLabJson.FormatDate(d.Date));
                json.WriteNumber("count", d.Count);
                json.WriteNumber("share", Math.Round(d.Share, 4));
                json.WriteBoolean("cliff", d.IsCliff(cliffPercent));
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(bytes.WrittenSpan);
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
            $"{r.Id,-8} {r.Kind,-13} {Fit(r.Name, NameWidth),-NameWidth} {Fit(owner, OwnerWidth),-OwnerWidth} {(r.ExpiresAt is { } expires ? GitLabJson.FormatDate(expires) : "never"),-10} {(r.LastUsedAt is { } used ? Minutes(used) : "never"),-16} {string.Join(',', r.ScopeList())}");
    }

    /// <summary><c>yyyy-MM-dd HH:mm</c> from the GitLab time's digits: no format string parsed per row.</summary>
    private static string Minutes(DateTime utc)
    {
        Span<char> iso = stackalloc char[GitLabJson.TimeLength];
        GitLabJson.FormatTime(DateTime.SpecifyKind(utc, DateTimeKind.Utc), iso);
        return string.Concat(iso[..10], " ", iso[11..16]);
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
            (r.ExpiresAt is { } expires ? GitLabJson.FormatDate(expires) : null), r.LastUsedAt is { } used ? GitLabJson.FormatTime(used) : null,
            GitLabJson.FormatTime(r.CreatedAt), r.ExpiryBackfilled ? "true" : "false",
        ];
        return Csv.Line(values);
    }
}
