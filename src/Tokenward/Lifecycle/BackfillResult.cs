namespace Tokenward.Lifecycle;

/// <summary>What a backfill or its revert did (or, dry, would do): tokens per kind, and those left alone.</summary>
public sealed record BackfillResult(bool DryRun, DateOnly? ExpiresAt, IReadOnlyDictionary<string, int> Changed, int Skipped, string? SkippedReason)
{
    public int Total => Changed.Values.Sum();
}
