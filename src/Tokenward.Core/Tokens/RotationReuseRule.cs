namespace Tokenward.Core.Tokens;

/// <summary>
/// A revoked token presented to rotate again: GitLab takes it for a leak and revokes its whole
/// family. Tokenward first allows the one honest case, a client retrying a rotation whose answer
/// it lost: within the grace window after the rotation, and from the address that rotated.
/// </summary>
public static class RotationReuseRule
{
    /// <param name="rotatedAt">When its successor was made; null when it was revoked without rotation.</param>
    /// <param name="presentedFrom">The address presenting it now (null: the CLI).</param>
    /// <param name="rotatedFrom">The address that rotated it (null: the CLI).</param>
    /// <returns>The verdict, and for a leak why it is one.</returns>
    public static (RotationReuse Verdict, string Reason) Judge(DateTime? rotatedAt, DateTime now, TimeSpan grace, string? presentedFrom, string? rotatedFrom)
    {
        if (rotatedAt is not { } at)
        {
            return (RotationReuse.Leak, "revoked without rotation");
        }

        var inGrace = now - at <= grace;
        return inGrace && rotatedFrom == presentedFrom ? (RotationReuse.Retry, "retried within the grace window")
            : inGrace ? (RotationReuse.Leak, $"presented from {presentedFrom ?? "the CLI"}, rotated from {rotatedFrom ?? "the CLI"}")
            : (RotationReuse.Leak, "presented after the grace window");
    }
}
