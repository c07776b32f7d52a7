namespace Tokenward.Core.Tokens;

/// <summary>How a rotated token presented to rotate again was taken.</summary>
public enum RotationReuse
{
    /// <summary>The rotating client retrying within the grace window: 400, the family kept.</summary>
    Retry,

    /// <summary>A leak: the family was revoked.</summary>
    Leak,
}
