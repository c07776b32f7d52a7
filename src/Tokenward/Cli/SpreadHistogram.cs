using System.Globalization;
using Tokenward.Toolkit;

namespace Tokenward.Cli;

/// <summary>
/// A spread's new dates as bars, within 80 columns: a line a day for a window of up to a month
/// and a half, a line a week (from Monday) for longer ones, so a year still fits on a screen.
/// </summary>
public static class SpreadHistogram
{
    private const int BarWidth = 50;

    public static async Task WriteAsync(TextWriter output, SpreadSummary spread)
    {
        var byDay = spread.ShownByDay;
        var rows = spread.Bars()
            .Select(d => (Label: byDay ? d.Date.ToString("yyyy-MM-dd ddd", CultureInfo.InvariantCulture) : "week " + d.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d.Tokens)).ToList();
        var most = Math.Max(1, rows.Max(r => r.Tokens));
        await output.WriteLineAsync($"{(byDay ? "NEW EXPIRY" : "NEW EXPIRY (WEEK)"),-17}{"TOKENS",7}");
        foreach (var (label, tokens) in rows)
        {
            // A day with tokens always shows a mark, one without shows none: gaps are what to look for.
            var bar = tokens == 0 ? string.Empty : new string('█', Math.Max(1, (int)Math.Round((double)tokens / most * BarWidth)));
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{label,-17}{tokens,7}  {bar}"));
        }

        if (spread.AlreadyMoved > 0)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"(and {spread.AlreadyMoved} tokens an earlier run of this spread moved already)"));
        }
    }
}
