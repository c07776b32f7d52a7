using System.Globalization;

namespace Tokenward.Core.Tokens;

/// <summary>
/// New expiry dates spread over a window instead of one date for all (which only builds the next
/// cliff). Tokens are ranked by id and token <c>i</c> of <c>n</c> gets day <c>i * days / n</c>:
/// days differ by at most one token, and the same set of ids always gets the same dates. A keyed
/// hash would need no set, but its days differ by the square root of the count (±3 of 10 a day
/// for 200 tokens over 20 days): too uneven for a tool whose point is evenness.
/// </summary>
public sealed class ExpirySpread
{
    /// <param name="start">The window's first day.</param>
    /// <param name="end">The day after the window.</param>
    /// <param name="workdays">Skip Saturdays and Sundays (nobody is there to rotate a token).</param>
    public ExpirySpread(DateOnly start, DateOnly end, bool workdays)
    {
        (Start, End, Workdays) = (start, end, workdays);
        var days = new List<DateOnly>();
        for (var d = start; d < end; d = d.AddDays(1))
        {
            if (!workdays || d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            {
                days.Add(d);
            }
        }

        Days = days;
    }

    public DateOnly Start { get; }

    public DateOnly End { get; }

    public bool Workdays { get; }

    /// <summary>The days tokens may get, in order; empty when the window holds no (work)day.</summary>
    public IReadOnlyList<DateOnly> Days { get; }

    /// <summary>
    /// Each id's day. Give it the whole set a run started from (ids already moved by it included),
    /// so an interrupted run's rerun gives every token the day the first run meant for it.
    /// </summary>
    /// <exception cref="InvalidOperationException">when the window has no day.</exception>
    public Dictionary<long, DateOnly> Assign(IEnumerable<long> ids)
    {
        if (Days.Count == 0)
        {
            throw new InvalidOperationException("the window holds no day");
        }

        var ranked = ids.Distinct().Order().ToList();
        var plan = new Dictionary<long, DateOnly>(ranked.Count);
        for (var i = 0; i < ranked.Count; i++)
        {
            plan[ranked[i]] = Days[(int)((long)i * Days.Count / ranked.Count)];
        }

        return plan;
    }

    /// <summary>
    /// Names this spread of the tokens expiring on <paramref name="expiringOn"/> in a selection
    /// (<paramref name="selection"/>, a fingerprint of its filters). Written into each change's
    /// audit event, it finds the tokens an earlier, interrupted run of the same spread moved.
    /// Letters, digits, '-', '_' and ':' only, so it reads the same inside JSON.
    /// </summary>
    public string Key(DateOnly expiringOn, string selection) => string.Create(
        CultureInfo.InvariantCulture,
        $"spread:{expiringOn:yyyy-MM-dd}:{Start:yyyy-MM-dd}_{End:yyyy-MM-dd}:{(Workdays ? "workdays" : "alldays")}:{selection}");
}
