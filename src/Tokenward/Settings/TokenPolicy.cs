namespace Tokenward.Settings;

/// <summary>The token lifetime policy in force: GitLab's <c>require_personal_access_token_expiry</c> and <c>max_personal_access_token_lifetime</c>.</summary>
public sealed record TokenPolicy(bool RequirePersonalAccessTokenExpiry, int MaxPersonalAccessTokenLifetime)
{
    /// <summary>GitLab's ceiling for the maximum lifetime, in days.</summary>
    public const int MaxLifetimeCeiling = 400;
}
