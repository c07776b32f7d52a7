using System.Globalization;
using System.Text.RegularExpressions;

namespace Tokenward.Toolkit;

/// <summary>
/// A span of calendar time as admins write it: <c>7d</c>, <c>2w</c>, <c>1m</c>, <c>6m</c>,
/// <c>1y</c> (also <c>1.month</c>, <c>30 days</c>). Months and years are calendar ones, like
/// Ruby's <c>1.month</c>, so <c>--within 1m</c> from 31 January ends on 28 or 29 February.
/// </summary>
public sealed partial record Period(int Count, char Unit)
{
    public static bool TryParse(string text, out Period period)
    {
        period = new Period(0, 'd');
        var match = Pattern().Match(text.Trim());
        if (!match.Success || !int.TryParse(match.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0 || n > 10_000)
        {
            return false;
        }

        period = new Period(n, char.ToLowerInvariant(match.Groups["unit"].Value[0]));
        return true;
    }

    /// <summary>The period's end from <paramref name="start"/>, or null past the last representable date (9999-12-31).</summary>
    public DateOnly? TryAfter(DateOnly start)
    {
        try
        {
            return After(start);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The date this period before <paramref name="end"/>, or null before the first representable date.</summary>
    public DateOnly? TryBefore(DateOnly end)
    {
        try
        {
            return Unit switch
            {
                'd' => end.AddDays(-Count),
                'w' => end.AddDays(-7 * Count),
                'm' => end.AddMonths(-Count),
                _ => end.AddYears(-Count),
            };
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    public DateOnly After(DateOnly start) => Unit switch
    {
        'd' => start.AddDays(Count),
        'w' => start.AddDays(7 * Count),
        'm' => start.AddMonths(Count),
        _ => start.AddYears(Count),
    };

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Count}{Unit}");

    [GeneratedRegex(@"^(?<n>\d+)\s*\.?\s*(?<unit>d(ays?)?|w(eeks?)?|m(onths?)?|y(ears?)?)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
