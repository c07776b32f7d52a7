namespace Tokenward.PersonalAccessTokens;

/// <summary>GitLab's personal access token filters, as the API takes them (<c>state</c>, <c>expires_before</c>, ...).</summary>
public sealed record TokenFilter
{
    public static readonly string[] Sorts =
        ["created_asc", "created_desc", "expires_asc", "expires_desc", "last_used_asc", "last_used_desc", "name_asc", "name_desc"];

    public long? UserId { get; init; }

    public bool? Revoked { get; init; }

    /// <summary><c>active</c> or <c>inactive</c>.</summary>
    public string? State { get; init; }

    public DateTime? CreatedBefore { get; init; }

    public DateTime? CreatedAfter { get; init; }

    public DateTime? LastUsedBefore { get; init; }

    public DateTime? LastUsedAfter { get; init; }

    public DateOnly? ExpiresBefore { get; init; }

    public DateOnly? ExpiresAfter { get; init; }

    public string? Search { get; init; }

    public string? Sort { get; init; }

    /// <summary>Whether impersonation tokens are included (never for a non-admin's own list).</summary>
    public bool? Impersonation { get; init; }
}
