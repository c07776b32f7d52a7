namespace Tokenward.Core.Tokens;

/// <summary>
/// One token as the toolkit's reports show it: the token, its owner and, for a project or group
/// access token, the project or group its bot is a member of. Built by one SQL query locally and
/// from the public API remotely, so both modes select with the same <see cref="TokenFilter"/>.
/// </summary>
public sealed record ReportRow : ITokenRecord
{
    private static readonly PerText<IReadOnlyList<string>> ParsedScopes = new(ScopeJson.Parse);

    public long Id { get; init; }

    /// <summary><c>personal</c>, <c>impersonation</c>, <c>project</c> or <c>group</c>.</summary>
    public string Kind { get; init; } = TokenKinds.Personal;

    public string Name { get; init; } = string.Empty;

    public long UserId { get; init; }

    public string Username { get; init; } = string.Empty;

    public string? UserEmail { get; init; }

    public string UserState { get; init; } = Core.Authentication.UserStates.Active;

    /// <summary>Scopes as the JSON array stored with the token, e.g. <c>["api","read_user"]</c>.</summary>
    public string Scopes { get; init; } = "[]";

    public bool Revoked { get; init; }

    public DateOnly? ExpiresAt { get; init; }

    public DateTime? LastUsedAt { get; init; }

    public DateTime CreatedAt { get; init; }

    /// <summary><c>project</c> or <c>group</c> for a resource token, else null.</summary>
    public string? ResourceType { get; init; }

    public long? ResourceId { get; init; }

    /// <summary>The project's or group's own path (its last segment), as both the database and the API give it cheaply.</summary>
    public string? ResourcePath { get; init; }

    /// <summary>Whether the current expiry is the one the expiry backfill set (unknown, so false, remotely).</summary>
    public bool ExpiryBackfilled { get; init; }

    public IReadOnlyList<string> ScopeList() => ParsedScopes.Get(Scopes);
}
