namespace Tokenward.Toolkit;

/// <summary>A spread's dates for the tokens it has still to change.</summary>
/// <param name="Key">The name its audit events carry (<see cref="Core.Tokens.ExpirySpread.Key"/>).</param>
/// <param name="Dates">Each remaining token's new expiry, by id.</param>
/// <param name="AlreadyMoved">Tokens an earlier run of the same spread moved already.</param>
public sealed record SpreadPlan(string Key, IReadOnlyDictionary<long, DateOnly> Dates, int AlreadyMoved);
