namespace Tokenward.Storage;

/// <summary>A row of <c>personal_access_tokens</c>. The token itself is never stored, only its keyed digest.</summary>
public sealed class PersonalAccessToken : ITokenRecord
{
    public long Id { get; set; }

    public long UserId { get; set; }

    public User? User { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    public required string TokenDigest { get; set; }

    /// <summary>Scopes as a JSON array, e.g. <c>["api","read_user"]</c>, the way GitLab's scripts print them.</summary>
    public required string Scopes { get; set; }

    public bool Revoked { get; set; }

    public bool Impersonation { get; set; }

    public DateOnly? ExpiresAt { get; set; }

    public DateTime? LastUsedAt { get; set; }

    /// <summary>Up to five client addresses, newest last, as a JSON array.</summary>
    public string? LastUsedIps { get; set; }

    public long? PreviousPersonalAccessTokenId { get; set; }

    /// <summary>
    /// Rotated with Tokenward's <c>grace_period</c>: revoked, yet it authenticates until this
    /// instant (UTC). Ending the grace early sets it to the moment it ended, so it keeps saying
    /// when the token last worked.
    /// </summary>
    public DateTime? RotationGraceUntil { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    // Parsed once per loaded token: a cached token serves many requests.
    private string[]? _scopeList;

    /// <summary><see cref="Scopes"/> parsed.</summary>
    public IReadOnlyList<string> ScopeList() =>
        _scopeList ??= ScopeJson.Parse(Scopes);
}
