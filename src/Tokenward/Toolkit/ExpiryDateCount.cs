namespace Tokenward.Toolkit;

/// <summary>How many tokens expire on a date, out of <see cref="ActiveWithDate"/>: every selected active token with a date ahead.</summary>
public sealed record ExpiryDateCount(DateOnly Date, int Count)
{
    public long ActiveWithDate { get; init; }

    /// <summary>The day's share of <see cref="ActiveWithDate"/>, 0 to 1.</summary>
    public double Share => ActiveWithDate == 0 ? 0 : (double)Count / ActiveWithDate;

    public bool IsCliff(double percent) => ExpiryCliffs.IsCliff(Count, ActiveWithDate, percent);
}
