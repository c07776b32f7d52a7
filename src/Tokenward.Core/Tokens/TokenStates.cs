using System.Linq.Expressions;

namespace Tokenward.Core.Tokens;

/// <summary>
/// GitLab's expiry rule, written once: a token with <c>expires_at</c> D is usable through D−1
/// (UTC) and expired from D; a revoked one never again. In memory for a single token and as
/// expressions that EF Core turns into SQL; the reports' hand-written SQL is held to them by tests.
/// </summary>
public static class TokenStates
{
    public static DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    public static bool IsExpired(DateOnly? expiresAt, DateOnly today) => expiresAt is { } d && d <= today;

    public static TokenState Of(bool revoked, DateOnly? expiresAt, DateOnly today) =>
        revoked ? TokenState.Revoked : IsExpired(expiresAt, today) ? TokenState.Expired : TokenState.Active;

    public static bool IsActive(bool revoked, DateOnly? expiresAt, DateOnly today) => Of(revoked, expiresAt, today) == TokenState.Active;

    /// <summary>The name GitLab's filters and Tokenward's reports use: <c>active</c>, <c>expired</c>, <c>revoked</c>.</summary>
    public static string Name(this TokenState state) => state switch
    {
        TokenState.Active => "active",
        TokenState.Expired => "expired",
        _ => "revoked",
    };

    /// <summary>Still usable on <paramref name="today"/> as far as its date goes (revoked or not).</summary>
    public static Expression<Func<T, bool>> NotExpired<T>(DateOnly today)
        where T : ITokenRecord => t => t.ExpiresAt == null || t.ExpiresAt > today;

    /// <summary>Past its date on <paramref name="today"/> (revoked or not).</summary>
    public static Expression<Func<T, bool>> Expired<T>(DateOnly today)
        where T : ITokenRecord => t => t.ExpiresAt != null && t.ExpiresAt <= today;

    /// <summary>GitLab's <c>state=active</c>: not revoked and not expired.</summary>
    public static Expression<Func<T, bool>> Active<T>(DateOnly today)
        where T : ITokenRecord => t => !t.Revoked && (t.ExpiresAt == null || t.ExpiresAt > today);

    /// <summary>GitLab's <c>state=inactive</c>: revoked or expired.</summary>
    public static Expression<Func<T, bool>> Inactive<T>(DateOnly today)
        where T : ITokenRecord => t => t.Revoked || (t.ExpiresAt != null && t.ExpiresAt <= today);
}
