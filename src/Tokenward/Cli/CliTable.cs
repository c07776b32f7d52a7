using Tokenward.Toolkit;

namespace Tokenward.Cli;

/// <summary>
/// Rows for a terminal or a spreadsheet: a table whose columns are as wide as their widest cell
/// (so a long event name or address never shifts the next column), or RFC 4180 CSV.
/// </summary>
public static class CliTable
{
    /// <param name="format"><see cref="ReportFormat.Csv"/> for CSV; anything else is a table.</param>
    public static async Task WriteAsync(TextWriter output, string format, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string?>> rows)
    {
        var cells = rows.ToList();
        if (format == ReportFormat.Csv)
        {
            await output.WriteLineAsync(Csv.Line(headers));
            foreach (var row in cells)
            {
                await output.WriteLineAsync(Csv.Line(row));
            }

            return;
        }

        var widths = headers.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(r => (r[i] ?? "-").Length))).ToArray();
        await output.WriteLineAsync(Line(headers, widths));
        foreach (var row in cells)
        {
            await output.WriteLineAsync(Line(row, widths));
        }
    }

    private static string Line(IReadOnlyList<string?> values, int[] widths) =>
        string.Join("  ", values.Select((v, i) => i == values.Count - 1 ? v ?? "-" : (v ?? "-").PadRight(widths[i]))).TrimEnd();
}
