using Tokenward.Core.Tokens;

namespace Tokenward.Core.Authentication;

/// <summary>
/// Decides whether a found token may be used for a request, in GitLab's order: expired, then
/// revoked, then scope, then impersonation disabled; then whether its owner may use the API.
/// </summary>
public static class TokenRules
{
    /// <param name="now">The instant of the request, for a rotated token's grace; without it no grace applies.</param>
    /// <returns>null when the token may be used, else why not.</returns>
    public static AuthFailReason? Check(
        TokenFacts token,
        DateOnly today,
        IReadOnlyCollection<string> acceptedScopes,
        bool impersonationEnabled,
        DateTime? now = null)
    {
        if (TokenStates.IsExpired(token.ExpiresAt, today))
        {
            return AuthFailReason.TokenExpired;
        }

        if (token.Revoked && !(now is { } instant && RotationGrace.InGrace(true, token.RotationGraceUntil, instant)))
        {
            return AuthFailReason.TokenRevoked;
        }

        if (!HasAnyScope(token.Scopes, acceptedScopes))
        {
            return AuthFailReason.InsufficientScope;
        }

        if (token.Impersonation && !impersonationEnabled)
        {
            return AuthFailReason.ImpersonationDisabled;
        }

        return token.OwnerState switch
        {
            UserStates.Active => null,
            UserStates.Banned => AuthFailReason.UserBanned,
            UserStates.Deactivated => AuthFailReason.UserDeactivated,
            _ => AuthFailReason.UserBlocked,
        };
    }

    public static bool HasAnyScope(IReadOnlyList<string> granted, IReadOnlyCollection<string> accepted)
    {
        foreach (var scope in granted)
        {
            if (accepted.Contains(scope))
            {
                return true;
            }
        }

        return false;
    }
}
