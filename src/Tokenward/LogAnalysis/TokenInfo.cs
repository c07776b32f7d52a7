namespace Tokenward.LogAnalysis;

/// <summary>What the inventory says about a failing token, to show next to its failures.</summary>
/// <param name="State"><c>active</c>, <c>revoked</c>, <c>expired</c>, or <c>owner blocked</c> (banned, deactivated).</param>
public sealed record TokenInfo(long Id, string Kind, string Name, string Owner, IReadOnlyList<string> Scopes, DateOnly? ExpiresAt, string State);
