namespace Tokenward.Core.Tokens;

/// <summary>What a token policy does to a token at its next rotation (<see cref="TokenPolicy.ImpactOnRotation"/>).</summary>
public enum RotationImpact
{
    None,

    /// <summary>Its expiry is past the maximum lifetime: the successor cannot keep it and gets at most the maximum.</summary>
    Shortened,

    /// <summary>It has no expiry and the policy requires one: the successor gets one (a week, when none is asked for).</summary>
    GetsExpiry,
}
