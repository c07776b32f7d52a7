namespace Tokenward.PersonalAccessTokens;

/// <summary>What is asked for when a personal access token is created.</summary>
public sealed record NewToken(
    long UserId,
    string Name,
    IReadOnlyList<string> Scopes,
    DateOnly? ExpiresAt = null,
    string? Description = null,
    bool Impersonation = false,
    string? ExplicitValue = null,
    long? PreviousId = null,
    int? MaxLifetimeDays = null);
