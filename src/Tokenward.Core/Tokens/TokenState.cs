namespace Tokenward.Core.Tokens;

/// <summary>A token's state on a day, in GitLab's order: a revoked token is revoked whatever its date.</summary>
public enum TokenState
{
    Active,
    Expired,
    Revoked,
}
