namespace Tokenward.Toolkit;

/// <summary>What a bulk change did, or would do in a dry run.</summary>
/// <param name="Selected">Tokens the change covers, per kind.</param>
/// <param name="Changed">Tokens this run changed (0 in a dry run).</param>
/// <param name="Skipped">Tokens left alone on purpose, and why.</param>
public sealed record ChangeResult(
    string Action,
    bool DryRun,
    DateOnly? NewExpiry,
    IReadOnlyDictionary<string, int> Selected,
    int Changed,
    int Skipped,
    string? SkippedReason)
{
    public int Total => Selected.Values.Sum();

    /// <summary>For an extend with <c>--spread</c>: the dates instead of <see cref="NewExpiry"/>.</summary>
    public SpreadSummary? Spread { get; init; }
}
