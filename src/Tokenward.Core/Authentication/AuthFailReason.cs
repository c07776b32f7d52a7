namespace Tokenward.Core.Authentication;

/// <summary>
/// Why a request with a known token was refused. The first four are GitLab's
/// <c>meta.auth_fail_reason</c> values; the <c>user_*</c> ones are Tokenward's own, for tokens
/// whose owner may not use the API (GitLab answers those with a 403 and no reason in the log).
/// </summary>
public enum AuthFailReason
{
    TokenExpired,
    TokenRevoked,
    InsufficientScope,
    ImpersonationDisabled,
    UserBlocked,
    UserBanned,
    UserDeactivated,
}

public static class AuthFailReasonNames
{
    public static string LogName(this AuthFailReason reason) => reason switch
    {
        AuthFailReason.TokenExpired => "token_expired",
        AuthFailReason.TokenRevoked => "token_revoked",
        AuthFailReason.InsufficientScope => "insufficient_scope",
        AuthFailReason.ImpersonationDisabled => "impersonation_disabled",
        AuthFailReason.UserBlocked => "user_blocked",
        AuthFailReason.UserBanned => "user_banned",
        AuthFailReason.UserDeactivated => "user_deactivated",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
