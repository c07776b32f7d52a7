using Microsoft.EntityFrameworkCore;
using Tokenward.Storage;

namespace Tokenward.Toolkit;

/// <summary>
/// The report rows as an EF Core query, for what composes them further: the admin endpoints'
/// pages and the bulk changes' batches. The CLI's reports read the same rows as plain SQL
/// (<see cref="ReportSql"/>); a test holds both to the same selection on both engines.
/// </summary>
public sealed class TokenRows(TokenwardDb db, TimeProvider clock)
{
    /// <summary>
    /// Every token with its owner and, for a bot's token, the membership that makes it a project
    /// or group token: one row per membership, as the seed's scripts print one line per
    /// membership. A bot without any membership has no resource, so no row.
    /// </summary>
    public IQueryable<ReportRow> Rows() =>
        from t in db.PersonalAccessTokens.AsNoTracking()
        join u in db.Users on t.UserId equals u.Id
        join m in db.Members on new { UserId = u.Id, Bot = u.UserType } equals new { m.UserId, Bot = UserTypes.ProjectBot } into memberships
        from m in memberships.DefaultIfEmpty()
        where u.UserType != UserTypes.ProjectBot || m != null
        select new ReportRow
        {
            Id = t.Id,
            Kind = t.Impersonation ? TokenKinds.Impersonation
                : u.UserType != UserTypes.ProjectBot ? TokenKinds.Personal
                : m!.SourceType == Member.ProjectSource ? TokenKinds.Project
                : TokenKinds.Group,
            Name = t.Name,
            UserId = u.Id,
            Username = u.Username,
            UserEmail = u.Email,
            UserState = u.State,
            Scopes = t.Scopes,
            Revoked = t.Revoked,
            ExpiresAt = t.ExpiresAt,
            LastUsedAt = t.LastUsedAt,
            CreatedAt = t.CreatedAt,
            ResourceType = m == null ? null : m.SourceType == Member.ProjectSource ? TokenKinds.Project : TokenKinds.Group,
            ResourceId = m == null ? null : m.SourceId,
            ResourcePath = m == null ? null
                : m.SourceType == Member.ProjectSource ? db.Projects.Where(p => p.Id == m.SourceId).Select(p => p.Path).FirstOrDefault()
                : db.Namespaces.Where(n => n.Id == m.SourceId).Select(n => n.Path).FirstOrDefault(),
            // EXISTS rather than a join: a query that does not read the flag (an aggregate) drops it
            // entirely, where SQLite would still probe a joined table once per row.
            ExpiryBackfilled = db.TokenExpiryBackfills.Any(b => b.PersonalAccessTokenId == t.Id && b.ExpiresAt == t.ExpiresAt),
        };

    /// <summary>
    /// The tokens the filter selects, soonest expiry first, then by id (every report selects either
    /// dates or no expiry, so nulls never mix in); a bot's token comes once per membership, those
    /// rows by their resource, so pages are stable.
    /// </summary>
    public IQueryable<ReportRow> Report(TokenFilter filter) =>
        Select(filter).OrderBy(r => r.ExpiresAt).ThenBy(r => r.Id).ThenBy(r => r.ResourceType).ThenBy(r => r.ResourceId);

    /// <summary>
    /// The tokens behind <paramref name="selected"/> (rows of <paramref name="filter"/>), as the
    /// tokens table: ordered by expiry or id, the database walks its index and stops at the page,
    /// where the rows' join would sort every match first (SQLite plans it from the users). The
    /// token's own conditions are repeated outside, so that walk starts at the right date.
    /// </summary>
    public IQueryable<PersonalAccessToken> TokensOf(TokenFilter filter, IQueryable<ReportRow> selected) =>
        filter.ApplyToTokens(db.PersonalAccessTokens.AsQueryable(), TokenStates.Today(clock)).Where(t => selected.Any(r => r.Id == t.Id));

    /// <summary>The rows of these tokens (a bot's once per membership), in the ids' order, a token's rows by resource.</summary>
    public static async Task<List<ReportRow>> InOrderAsync(IQueryable<ReportRow> selected, List<long> ids, CancellationToken ct)
    {
        var position = ids.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        return (await selected.Where(r => ids.Contains(r.Id)).ToListAsync(ct))
            .OrderBy(r => position[r.Id]).ThenBy(r => r.ResourceType, StringComparer.Ordinal).ThenBy(r => r.ResourceId).ToList();
    }

    /// <summary>The tokens the filter selects, in no order: for a count, or an order of the caller's.</summary>
    public IQueryable<ReportRow> Select(TokenFilter filter)
    {
        var rows = filter.Apply(Rows(), TokenStates.Today(clock));
        if (filter.GroupIds is not null || filter.ProjectIds is not null)
        {
            // Implied by the filter, as in ReportSql: the few bots' tokens found by owner, not by scanning the date range.
            IReadOnlyList<long> groups = filter.GroupIds ?? [];
            IReadOnlyList<long> projects = filter.ProjectIds ?? [];
            var bots = db.Members
                .Where(m => (m.SourceType == Member.NamespaceSource && groups.Contains(m.SourceId)) || (m.SourceType == Member.ProjectSource && projects.Contains(m.SourceId)))
                .Select(m => m.UserId);
            rows = rows.Where(r => bots.Contains(r.UserId));
        }

        return rows;
    }
}
