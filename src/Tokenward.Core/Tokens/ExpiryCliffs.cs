namespace Tokenward.Core.Tokens;

/// <summary>
/// An expiry cliff: a day on which so many active tokens expire at once that their owners cannot
/// all notice and rotate in time (the 16.0 backfill's date is the famous one). A day is a cliff when
/// it holds at least <see cref="MinimumTokens"/> tokens and at least the given share (by default
/// <see cref="DefaultPercent"/> %) of the active tokens that have a date: with 2 %, an instance
/// whose dates are spread evenly over a year (0.3 % a day) has none, and one backfilled day stands
/// out at any size.
/// </summary>
public static class ExpiryCliffs
{
    public const int MinimumTokens = 10;

    public const double DefaultPercent = 2;

    public static bool IsCliff(long count, long activeWithDate, double percent = DefaultPercent) =>
        count >= MinimumTokens && count * 100.0 >= activeWithDate * percent;

    /// <summary>How many days can be cliffs at once: each holds at least <paramref name="percent"/> % of the tokens.</summary>
    public static int MostCliffs(double percent) => (int)Math.Min(10_000, Math.Floor(100 / percent));
}
