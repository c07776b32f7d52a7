using Tokenward.Core.Authentication;
using Tokenward.Lifecycle;

namespace Tokenward.Toolkit;

/// <summary>
/// Which tokens a report or a change covers. Applied to an <see cref="IQueryable{T}"/> of
/// <see cref="ReportRow"/>: EF Core turns it into the WHERE clause of the one local query, and
/// the remote mode runs the very same expressions over the rows it read from the API.
/// </summary>
public sealed record ReportFilter
{
    public IReadOnlyList<string> Kinds { get; init; } = TokenKinds.All;

    /// <summary>The owner (for project and group tokens, their bot).</summary>
    public long? UserId { get; init; }

    /// <summary>With <see cref="ProjectIds"/>: only project and group tokens of these groups and projects.</summary>
    public IReadOnlyList<long>? GroupIds { get; init; }

    public IReadOnlyList<long>? ProjectIds { get; init; }

    public string? Scope { get; init; }

    /// <summary>Blocked, banned and deactivated owners' tokens are unusable, so hidden unless asked for (the seed's <c>next if token.user.blocked?</c>).</summary>
    public bool IncludeBlocked { get; init; }

    /// <summary>Expiring on or after this date (inclusive).</summary>
    public DateOnly? ExpiresFrom { get; init; }

    /// <summary>Expiring on or before this date (inclusive).</summary>
    public DateOnly? ExpiresTo { get; init; }

    /// <summary>Only tokens without an expiry.</summary>
    public bool NoExpiry { get; init; }

    public IQueryable<ReportRow> Apply(IQueryable<ReportRow> rows)
    {
        // Revoked tokens fail whatever their expiry, so no report or change is about them.
        rows = rows.Where(r => !r.Revoked);
        if (Kinds.Count < TokenKinds.All.Count)
        {
            var kinds = Kinds;
            rows = rows.Where(r => kinds.Contains(r.Kind));
        }

        if (!IncludeBlocked)
        {
            rows = rows.Where(r => r.UserState == UserStates.Active);
        }

        if (UserId is { } userId)
        {
            rows = rows.Where(r => r.UserId == userId);
        }

        if (GroupIds is not null || ProjectIds is not null)
        {
            IReadOnlyList<long> groups = GroupIds ?? [];
            IReadOnlyList<long> projects = ProjectIds ?? [];
            rows = rows.Where(r => (r.ResourceType == TokenKinds.Group && groups.Contains(r.ResourceId!.Value))
                || (r.ResourceType == TokenKinds.Project && projects.Contains(r.ResourceId!.Value)));
        }

        if (Scope is { } scope)
        {
            var quoted = "\"" + scope + "\"";
            rows = rows.Where(r => r.Scopes.Contains(quoted));
        }

        if (NoExpiry)
        {
            rows = rows.Where(r => r.ExpiresAt == null);
        }

        if (ExpiresFrom is { } day && ExpiresTo == day)
        {
            // Equality, not a one-day range: the index on (expires_at, id) then serves the id order too.
            rows = rows.Where(r => r.ExpiresAt == day);
        }
        else
        {
            if (ExpiresFrom is { } from)
            {
                rows = rows.Where(r => r.ExpiresAt >= from);
            }

            if (ExpiresTo is { } to)
            {
                rows = rows.Where(r => r.ExpiresAt <= to);
            }
        }

        return rows;
    }
}
