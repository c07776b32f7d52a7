using Microsoft.EntityFrameworkCore;
using Tokenward.Lifecycle;
using Tokenward.Storage;

namespace Tokenward.Toolkit;

/// <summary>
/// The toolkit's reports on Tokenward's own database. Each report is one SQL statement, streamed:
/// rows reach the writer as the database produces them, so memory does not grow with the result.
/// The CLI's streams and the date counts run as plain SQL (<see cref="ReportReader"/>); the
/// paginated endpoints and the bulk changes compose <see cref="Rows"/> with EF Core.
/// </summary>
public sealed class TokenInventory(TokenwardDb db, Members.Access access, ReportReader reader) : ITokenReports
{
    /// <summary>Looks up the users, groups and projects the filters name.</summary>
    /// <exception cref="ToolkitException">when one does not exist, or a kind or scope is not one.</exception>
    public async Task<ReportFilter> ResolveAsync(FilterInput input, CancellationToken ct)
    {
        var filter = new ReportFilter { Kinds = input.CheckedKinds(), Scope = input.CheckedScope(), IncludeBlocked = input.IncludeBlocked };
        if (input.User is { } user)
        {
            var userId = long.TryParse(user, out var id)
                ? await db.Users.Where(u => u.Id == id).Select(u => (long?)u.Id).FirstOrDefaultAsync(ct)
                : await db.Users.Where(u => u.Username == user).Select(u => (long?)u.Id).FirstOrDefaultAsync(ct);
            filter = filter with { UserId = userId ?? throw new ToolkitException($"User '{user}' not found", notFound: true) };
        }

        List<long>? groups = null;
        List<long>? projects = null;
        if (input.Group is { } groupRef)
        {
            var group = await access.FindGroupAsync(groupRef, ct) ?? throw new ToolkitException($"Group '{groupRef}' not found", notFound: true);
            groups = await access.SubtreeAsync(group.Id, ct);
            var within = groups;
            projects = await db.Projects.Where(p => within.Contains(p.NamespaceId)).Select(p => p.Id).ToListAsync(ct);
        }

        if (input.Project is { } projectRef)
        {
            var project = await access.FindProjectAsync(projectRef, ct) ?? throw new ToolkitException($"Project '{projectRef}' not found", notFound: true);
            // With --group too, the project must be in the group.
            projects = projects is null || projects.Contains(project.Id) ? [project.Id] : [];
            groups = [];
        }

        return groups is null && projects is null ? filter : filter with { GroupIds = groups, ProjectIds = projects };
    }

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

    /// <summary>The tokens the filter selects, soonest expiry first, then by id (every report selects either dates or no expiry, so nulls never mix in).</summary>
    public IQueryable<ReportRow> Report(ReportFilter filter) =>
        filter.Apply(Rows()).OrderBy(r => r.ExpiresAt).ThenBy(r => r.Id);

    public IAsyncEnumerable<ReportRow> StreamAsync(ReportFilter filter, CancellationToken ct) => reader.StreamAsync(filter, ct);

    public async Task<List<ReportRow>> FindAsync(IReadOnlyCollection<long> ids, CancellationToken ct) =>
        await Rows().Where(r => EF.Parameter(ids).Contains(r.Id)).ToListAsync(ct);

    /// <summary>
    /// The dates on which most of the selected tokens expire, most first (ties: soonest first):
    /// <c>dates_when_most_of_tokens_expire.rb</c>, over tokens still active after <paramref name="today"/>.
    /// </summary>
    public Task<List<ExpiryDateCount>> ExpiryDatesAsync(ReportFilter filter, DateOnly today, int top, CancellationToken ct) =>
        reader.ExpiryDatesAsync(filter with { ExpiresFrom = today.AddDays(1), NoExpiry = false }, top, ct);
}
