namespace Tokenward.Toolkit;

/// <summary>A report row as JSON (CLI <c>--format json</c> and the admin endpoints): GitLab's token fields plus owner and resource.</summary>
public sealed record ReportRowJson(
    long Id,
    string Kind,
    string Name,
    bool Impersonation,
    IReadOnlyList<string> Scopes,
    string? ExpiresAt,
    DateTime? LastUsedAt,
    DateTime CreatedAt,
    long UserId,
    string Username,
    string? UserEmail,
    string UserState,
    string? ResourceType,
    long? ResourceId,
    string? ResourcePath,
    bool ExpiryBackfilled)
{
    public static ReportRowJson From(ReportRow r) => new(
        r.Id,
        r.Kind,
        r.Name,
        r.Kind == Lifecycle.TokenKinds.Impersonation,
        r.ScopeList(),
        r.ExpiresAt?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        r.LastUsedAt,
        r.CreatedAt,
        r.UserId,
        r.Username,
        r.UserEmail,
        r.UserState,
        r.ResourceType,
        r.ResourceId,
        r.ResourcePath,
        r.ExpiryBackfilled);
}
