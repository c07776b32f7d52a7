using Tokenward.Core.Authentication;

namespace Tokenward.Core.Tokens;

/// <summary>
/// Which tokens a query covers: the API's filters (GitLab's <c>PersonalAccessTokensFinder</c>:
/// <c>state</c>, <c>revoked</c>, <c>created_*</c>, <c>last_used_*</c>, <c>expires_*</c>,
/// <c>search</c>), the toolkit's reports and changes, and the remote inventory, in one type. Applied to
/// an <see cref="IQueryable{T}"/>: EF Core turns it into the WHERE clause, and the remote mode
/// runs the very same expressions over the rows it read from the API.
/// </summary>
public sealed record TokenFilter
{
    /// <summary>The kinds' names (<see cref="TokenKinds"/>); for report rows.</summary>
    public IReadOnlyList<string> Kinds { get; init; } = TokenKinds.All;

    /// <summary>The owner (for project and group tokens, their bot).</summary>
    public long? UserId { get; init; }

    /// <summary>With <see cref="ProjectIds"/>: only project and group tokens of these groups and projects.</summary>
    public IReadOnlyList<long>? GroupIds { get; init; }

    public IReadOnlyList<long>? ProjectIds { get; init; }

    public string? Scope { get; init; }

    /// <summary>Blocked, banned and deactivated owners' tokens are unusable, so hidden from reports unless asked for (the seed's <c>next if token.user.blocked?</c>).</summary>
    public bool IncludeBlocked { get; init; }

    /// <summary>Expiring on or after this date (inclusive).</summary>
    public DateOnly? ExpiresFrom { get; init; }

    /// <summary>Expiring on or before this date (inclusive).</summary>
    public DateOnly? ExpiresTo { get; init; }

    /// <summary>Expiring before this date (GitLab's <c>expires_before</c>, exclusive).</summary>
    public DateOnly? ExpiresBefore { get; init; }

    /// <summary>Only tokens without an expiry.</summary>
    public bool NoExpiry { get; init; }

    public bool? Revoked { get; init; }

    /// <summary>GitLab's <c>state</c>: <see cref="TokenState.Active"/> or, for <c>inactive</c>, anything else.</summary>
    public bool? Active { get; init; }

    /// <summary>Impersonation tokens only (true) or none of them (false): for the table's rows (the API's lists); report rows select it through <see cref="Kinds"/>.</summary>
    public bool? Impersonation { get; init; }

    public DateTime? CreatedBefore { get; init; }

    public DateTime? CreatedAfter { get; init; }

    public DateTime? LastUsedBefore { get; init; }

    public DateTime? LastUsedAfter { get; init; }

    /// <summary>Last used on or after this day (UTC): the reports' day-wide form of <see cref="LastUsedAfter"/>, which the plain SQL selects by too.</summary>
    public DateOnly? UsedFrom { get; init; }

    /// <summary>A part of the name, any case.</summary>
    public string? Search { get; init; }

    /// <summary>Whether it uses only what the reports' plain SQL also selects by (kinds, owner, resource, scope, expiry dates).</summary>
    public bool IsReportFilter =>
        ExpiresBefore is null && Revoked is null && Active is null && Impersonation is null && CreatedBefore is null && CreatedAfter is null
        && LastUsedBefore is null && LastUsedAfter is null && Search is null;

    /// <summary>The filters on a token's own fields, for any stored form of it.</summary>
    /// <param name="today">The day <see cref="Active"/> is judged on.</param>
    public IQueryable<T> ApplyToTokens<T>(IQueryable<T> tokens, DateOnly today)
        where T : ITokenRecord
    {
        if (UserId is { } userId)
        {
            tokens = tokens.Where(t => t.UserId == userId);
        }

        if (Revoked is { } revoked)
        {
            tokens = tokens.Where(t => t.Revoked == revoked);
        }

        if (Active is { } active)
        {
            tokens = tokens.Where(active ? TokenStates.Active<T>(today) : TokenStates.Inactive<T>(today));
        }

        if (CreatedBefore is { } cb)
        {
            tokens = tokens.Where(t => t.CreatedAt <= cb);
        }

        if (CreatedAfter is { } ca)
        {
            tokens = tokens.Where(t => t.CreatedAt >= ca);
        }

        if (LastUsedBefore is { } lb)
        {
            tokens = tokens.Where(t => t.LastUsedAt <= lb);
        }

        if (LastUsedAfter is { } la)
        {
            tokens = tokens.Where(t => t.LastUsedAt >= la);
        }

        if (UsedFrom is { } usedFrom)
        {
            var since = usedFrom.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            tokens = tokens.Where(t => t.LastUsedAt >= since);
        }

        if (Scope is { } scope)
        {
            var quoted = "\"" + scope + "\"";
            tokens = tokens.Where(t => t.Scopes.Contains(quoted));
        }

        if (NoExpiry)
        {
            tokens = tokens.Where(t => t.ExpiresAt == null);
        }

        if (ExpiresFrom is { } day && ExpiresTo == day)
        {
            // Equality, not a one-day range: the index on (expires_at, id) then serves the id order too.
            tokens = tokens.Where(t => t.ExpiresAt == day);
        }
        else
        {
            if (ExpiresFrom is { } from)
            {
                tokens = tokens.Where(t => t.ExpiresAt >= from);
            }

            if (ExpiresTo is { } to)
            {
                tokens = tokens.Where(t => t.ExpiresAt <= to);
            }
        }

        if (ExpiresBefore is { } before)
        {
            tokens = tokens.Where(t => t.ExpiresAt < before);
        }

        if (!string.IsNullOrWhiteSpace(Search))
        {
            // A plain substring (instr, strpos): what the user typed, with no LIKE wildcards in it.
            var part = Search.Trim().ToLowerInvariant();
            tokens = tokens.Where(t => t.Name.ToLower().Contains(part));
        }

        return tokens;
    }

    /// <summary>
    /// A report's rows: no revoked tokens unless <see cref="Revoked"/> asks for them (they fail
    /// whatever their expiry, so no report or change is about them; the admin inventory lists
    /// them), the kinds, the owner's state and the resource, then the token's fields.
    /// </summary>
    public IQueryable<ReportRow> Apply(IQueryable<ReportRow> rows, DateOnly today)
    {
        if (Revoked != true)
        {
            rows = rows.Where(r => !r.Revoked);
        }

        if (Kinds.Count < TokenKinds.All.Count)
        {
            var kinds = Kinds;
            rows = rows.Where(r => kinds.Contains(r.Kind));
        }

        if (!IncludeBlocked)
        {
            rows = rows.Where(r => r.UserState == UserStates.Active);
        }

        if (GroupIds is not null || ProjectIds is not null)
        {
            IReadOnlyList<long> groups = GroupIds ?? [];
            IReadOnlyList<long> projects = ProjectIds ?? [];
            rows = rows.Where(r => (r.ResourceType == TokenKinds.Group && groups.Contains(r.ResourceId!.Value))
                || (r.ResourceType == TokenKinds.Project && projects.Contains(r.ResourceId!.Value)));
        }

        return ApplyToTokens(rows, today);
    }
}
