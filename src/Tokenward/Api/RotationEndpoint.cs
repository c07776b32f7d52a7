namespace Tokenward.Api;

/// <summary>Marks a rotate endpoint: presenting a revoked token there revokes its whole family.</summary>
public sealed class RotationEndpoint
{
    public static readonly RotationEndpoint Instance = new();
}
