namespace Tokenward.Core.Tokens;

/// <summary>GitLab's expiry rule: a token with <c>expires_at</c> D is usable through D−1 (UTC) and expired from D.</summary>
public static class TokenExpiry
{
    public static DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    public static bool IsExpired(DateOnly? expiresAt, DateOnly today) => expiresAt is { } d && d <= today;

    public static bool IsActive(bool revoked, DateOnly? expiresAt, DateOnly today) => !revoked && !IsExpired(expiresAt, today);
}
