namespace Tokenward.Core.Tokens;

/// <summary>
/// The token lifetime policy in force: GitLab's <c>require_personal_access_token_expiry</c> and
/// <c>max_personal_access_token_lifetime</c>, and what they mean for a new or rotated token's date.
/// </summary>
public sealed record TokenPolicy(bool RequirePersonalAccessTokenExpiry, int MaxPersonalAccessTokenLifetime)
{
    /// <summary>GitLab's ceiling for the maximum lifetime, in days.</summary>
    public const int MaxLifetimeCeiling = 400;

    /// <summary>GitLab gives a rotated token one week when no expiry is asked for.</summary>
    public const int DefaultRotationDays = 7;

    /// <summary>A group's own limit can only shorten the instance's.</summary>
    public TokenPolicy NarrowedTo(int? maxLifetimeDays) =>
        maxLifetimeDays is { } days && days < MaxPersonalAccessTokenLifetime ? this with { MaxPersonalAccessTokenLifetime = days } : this;

    /// <summary>
    /// Applies the policy as GitLab does. Without a date: the maximum lifetime on creation and one
    /// week on rotation while expiry is required, none otherwise. A date may never pass the
    /// maximum lifetime (GitLab Ultimate's rule for its lifetime setting). A past date is accepted
    /// on creation, as GitLab accepts it (the token is simply inactive), but not on rotation, where
    /// it would revoke a working token for a dead one. <paramref name="notAfter"/> (a bot's
    /// resource token's end) caps both.
    /// </summary>
    /// <exception cref="TokenValidationException">when the date breaks the policy.</exception>
    public DateOnly? ExpiryFor(DateOnly? requested, DateOnly today, DateOnly? notAfter, bool rotation)
    {
        var latest = Latest(today);
        if (requested is not { } date)
        {
            var chosen = !RequirePersonalAccessTokenExpiry ? (DateOnly?)null
                : rotation ? Min(today.AddDays(DefaultRotationDays), latest)
                : latest;
            return notAfter is { } cap && (chosen is null || chosen > cap) ? cap : chosen;
        }

        if (rotation && date <= today)
        {
            throw new TokenValidationException("expires_at", "must be in the future");
        }

        if (date > latest)
        {
            throw new TokenValidationException("expires_at", $"must be on or before {latest:yyyy-MM-dd} (the maximum lifetime is {MaxPersonalAccessTokenLifetime} days)");
        }

        if (notAfter is { } limit && date > limit)
        {
            throw new TokenValidationException("expires_at", $"must be on or before {limit:yyyy-MM-dd}, when this bot's resource access token expires");
        }

        return date;
    }

    /// <summary>The latest expiry a token made or rotated on <paramref name="today"/> may have.</summary>
    public DateOnly Latest(DateOnly today) => today.AddDays(MaxPersonalAccessTokenLifetime);

    /// <summary>
    /// What this policy does to a token at its next rotation (the policy preview's rule, so it
    /// cannot drift from <see cref="ExpiryFor"/>): a date past <see cref="Latest"/> cannot be kept,
    /// and a token without one gets the date a rotation without one gets.
    /// </summary>
    public RotationImpact ImpactOnRotation(DateOnly? currentExpiry, DateOnly today) => currentExpiry switch
    {
        { } date when date > Latest(today) => RotationImpact.Shortened,
        null when ExpiryFor(null, today, null, rotation: true) is not null => RotationImpact.GetsExpiry,
        _ => RotationImpact.None,
    };

    private static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;
}
