namespace Tokenward.Toolkit;

/// <summary>What a spread gives the tokens it changes: its window, and how many tokens each day gets.</summary>
/// <param name="From">The window's first day.</param>
/// <param name="To">The window's last day (inclusive, as people read a range).</param>
/// <param name="PerDay">Every day of the window, in order, with the tokens it gets (0 included, so gaps show).</param>
/// <param name="AlreadyMoved">Tokens an earlier, interrupted run of the same spread moved already.</param>
public sealed record SpreadSummary(DateOnly From, DateOnly To, bool Workdays, IReadOnlyList<SpreadDay> PerDay, int AlreadyMoved)
{
    /// <summary>Up to this many days a histogram shows a bar a day; beyond, a bar a week, so a year still fits on a screen.</summary>
    public const int DaysShownByDay = 45;

    public bool ShownByDay => PerDay.Count <= DaysShownByDay;

    /// <summary>
    /// What the dry run draws, the CLI's bars and the web UI's alike: every day, or for a long
    /// window every week (from Monday) with its days' tokens summed.
    /// </summary>
    public IReadOnlyList<SpreadDay> Bars() => ShownByDay
        ? PerDay
        : [.. PerDay.GroupBy(d => d.Date.AddDays(-(((int)d.Date.DayOfWeek + 6) % 7))).Select(w => new SpreadDay(w.Key, w.Sum(d => d.Tokens)))];
}

/// <summary>One day of a spread (or, in <see cref="SpreadSummary.Bars"/>, one week from its Monday).</summary>
public sealed record SpreadDay(DateOnly Date, int Tokens);
