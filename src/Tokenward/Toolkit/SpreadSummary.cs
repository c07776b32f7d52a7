namespace Tokenward.Toolkit;

/// <summary>What a spread gives the tokens it changes: its window, and how many tokens each day gets.</summary>
/// <param name="From">The window's first day.</param>
/// <param name="To">The window's last day (inclusive, as people read a range).</param>
/// <param name="PerDay">Every day of the window, in order, with the tokens it gets (0 included, so gaps show).</param>
/// <param name="AlreadyMoved">Tokens an earlier, interrupted run of the same spread moved already.</param>
public sealed record SpreadSummary(DateOnly From, DateOnly To, bool Workdays, IReadOnlyList<SpreadDay> PerDay, int AlreadyMoved);

/// <summary>One day of a spread.</summary>
public sealed record SpreadDay(DateOnly Date, int Tokens);
