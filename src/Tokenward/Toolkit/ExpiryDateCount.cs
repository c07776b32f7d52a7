namespace Tokenward.Toolkit;

/// <summary>How many tokens expire on a date.</summary>
public sealed record ExpiryDateCount(DateOnly Date, int Count);
