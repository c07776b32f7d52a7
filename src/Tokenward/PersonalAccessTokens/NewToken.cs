namespace Tokenward.PersonalAccessTokens;

/// <summary>
/// What is asked for when a personal access token is created. <see cref="MaxLifetimeDays"/> is a
/// group's own, shorter limit; <see cref="NotAfter"/> the date a bot's self-minted token may not pass.
/// </summary>
public sealed record NewToken(
    long UserId,
    string Name,
    IReadOnlyList<string> Scopes,
    DateOnly? ExpiresAt = null,
    string? Description = null,
    bool Impersonation = false,
    string? ExplicitValue = null,
    long? PreviousId = null,
    int? MaxLifetimeDays = null,
    DateOnly? NotAfter = null);
