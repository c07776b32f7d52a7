using System.Text.Json.Serialization;
using Tokenward.Authentication;
using Tokenward.Storage;

namespace Tokenward.PersonalAccessTokens;

/// <summary>A personal access token as GitLab's API returns it, fields in GitLab's order.</summary>
public sealed record TokenJson(
    long Id,
    string Name,
    bool Revoked,
    DateTime CreatedAt,
    string? Description,
    IReadOnlyList<string> Scopes,
    long UserId,
    DateTime? LastUsedAt,
    bool Active,
    DateOnly? ExpiresAt)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Impersonation { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? LastUsedIps { get; init; }

    /// <summary>Project and group access tokens: the bot's access level and the resource.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? AccessLevel { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ResourceType { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ResourceId { get; init; }

    /// <summary>
    /// Tokenward's: rotated with <c>grace_period</c>, it is revoked (as GitLab shows a rotated token)
    /// yet authenticates until this instant.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTime? RotationGraceUntil { get; init; }

    /// <summary>Only in the response that creates the token.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Token { get; init; }

    public static TokenJson From(PersonalAccessToken t, DateOnly today) => new(
        t.Id,
        t.Name,
        t.Revoked,
        t.CreatedAt,
        t.Description,
        t.ScopeList(),
        t.UserId,
        t.LastUsedAt,
        TokenStates.IsActive(t.Revoked, t.ExpiresAt, today),
        t.ExpiresAt)
    {
        RotationGraceUntil = t.RotationGraceUntil,
    };

    public TokenJson WithLastUsedIps(PersonalAccessToken t) =>
        this with { LastUsedIps = TokenAuthenticator.ParseIps(t.LastUsedIps).AsEnumerable().Reverse().ToList() };
}
