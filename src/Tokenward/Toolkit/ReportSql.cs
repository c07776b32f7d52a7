using System.Globalization;
using System.Text;
using Tokenward.Storage;

namespace Tokenward.Toolkit;

/// <summary>
/// The reports as plain SQL, read by <see cref="TokenInventory"/>. EF Core's start-up (pool,
/// model, query compilation: about 0.6 s a process) and its per-row materialization cost a
/// one-shot CLI command more than the query; the endpoints' pages and the bulk changes, which
/// compose the rows further, use <see cref="TokenRows.Rows"/>. Both select the same rows for
/// every <see cref="TokenFilter"/>: a test runs them side by side on both engines.
/// </summary>
public static class ReportSql
{
    /// <summary>
    /// The owners a token can have: every human user once, every bot once per membership (its
    /// project or group). SQLite and PostgreSQL both fold it into the outer query for the row
    /// reports; the date counts group it first.
    /// </summary>
    private static readonly string Owners = $"""
        (SELECT u.id AS user_id, u.username, u.email, u.state,
            CASE WHEN m.id IS NULL THEN NULL WHEN m.source_type = '{Member.ProjectSource}' THEN '{TokenKinds.Project}' ELSE '{TokenKinds.Group}' END AS resource_type,
            m.source_id AS resource_id,
            CASE WHEN m.id IS NULL THEN NULL
                WHEN m.source_type = '{Member.ProjectSource}' THEN (SELECT pr.path FROM projects pr WHERE pr.id = m.source_id)
                ELSE (SELECT ns.path FROM namespaces ns WHERE ns.id = m.source_id) END AS resource_path
        FROM users u LEFT JOIN members m ON m.user_id = u.id AND u.user_type = {UserTypes.ProjectBot}
        WHERE u.user_type <> {UserTypes.ProjectBot} OR m.id IS NOT NULL) o
        """;

    private static readonly string Kind =
        $"CASE WHEN p.impersonation THEN '{TokenKinds.Impersonation}' ELSE coalesce(o.resource_type, '{TokenKinds.Personal}') END";

    /// <summary>
    /// A bot's token comes once per membership: those rows in the order of their resource, where
    /// it costs nothing. A report leaves them in the join's order: a further sort key makes
    /// PostgreSQL sort the whole report before its first row instead of streaming it.
    /// </summary>
    private const string TieOrder = "o.resource_type, o.resource_id";

    /// <summary>The columns <see cref="TokenInventory"/> and <see cref="Storage.Engines.IEngineSql.ReadReportAsync"/> read, in this order.</summary>
    private static readonly string Columns = $"""
        p.id, {Kind}, p.name, o.user_id, o.username, o.email, o.state, p.scopes, p.revoked, p.expires_at, p.last_used_at, p.created_at,
        o.resource_type, o.resource_id, o.resource_path,
        EXISTS (SELECT 1 FROM token_expiry_backfills b WHERE b.personal_access_token_id = p.id AND b.expires_at = p.expires_at)
        """;

    /// <summary>The selected tokens, soonest expiry first, then by id.</summary>
    public static SqlStatement Rows(DatabaseEngine engine, TokenFilter filter)
    {
        var where = new Conditions(engine);
        where.AddOwner(filter);
        where.AddToken(filter);
        return new(
            $"SELECT {Columns}\nFROM personal_access_tokens p JOIN {Owners} ON o.user_id = p.user_id\nWHERE {where}\nORDER BY p.expires_at, p.id",
            where.Parameters);
    }

    /// <summary>These tokens whatever their state (revoked, expired, blocked owner), by id.</summary>
    public static SqlStatement Find(DatabaseEngine engine, IReadOnlyCollection<long> ids) =>
        new($"SELECT {Columns}\nFROM personal_access_tokens p JOIN {Owners} ON o.user_id = p.user_id\nWHERE p.id IN ({Conditions.Ids([.. ids])})\nORDER BY p.id, {TieOrder}", []);

    /// <summary>
    /// Selected tokens per expiry date, most first (ties: soonest first), each with the total over
    /// every date (a window over the groups, before the limit): the share that marks a cliff. The owners are counted
    /// first (a bot with two memberships counts its tokens twice, as the rows do), so the million
    /// tokens meet a small table; CROSS JOIN keeps SQLite scanning the tokens by expiry rather than
    /// by owner.
    /// </summary>
    public static SqlStatement ExpiryDates(DatabaseEngine engine, TokenFilter filter, int top)
    {
        if (filter.UserId is null && filter.GroupIds is null && filter.ProjectIds is null && filter.Kinds.Count == TokenKinds.All.Count)
        {
            return EveryOwnersExpiryDates(engine, filter, top);
        }

        var owners = new Conditions(engine);
        owners.AddOwner(filter);
        var tokens = new Conditions(engine, owners.Parameters);
        tokens.Add("o.user_id = p.user_id");
        tokens.AddToken(filter);
        return new(
            $"""
            SELECT p.expires_at, CAST(sum(o.n) AS bigint) AS c, CAST(sum(sum(o.n)) OVER () AS bigint)
            FROM personal_access_tokens p CROSS JOIN (SELECT o.user_id, o.resource_type, count(*) AS n FROM {Owners} WHERE {owners} GROUP BY o.user_id, o.resource_type) o
            WHERE {tokens}
            GROUP BY p.expires_at ORDER BY c DESC, p.expires_at LIMIT {top.ToString(CultureInfo.InvariantCulture)}
            """,
            tokens.Parameters);
    }

    /// <summary>
    /// <see cref="ExpiryDates"/> when the filter names no owner, resource or kind (the calendar's and
    /// the plain <c>tokens expiry-dates</c>): every token counts once, corrected for the few owners
    /// that do not: a blocked user's tokens (0 times), a bot's with two memberships (twice).
    /// SQLite counts the tokens alone and adds the correction from those owners' tokens, found by
    /// owner (a lookup of each token's owner costs it over twice as much); PostgreSQL does both in
    /// one parallel scan with the corrections hashed, where the second scan would double its time.
    /// </summary>
    private static SqlStatement EveryOwnersExpiryDates(DatabaseEngine engine, TokenFilter filter, int top)
    {
        var owners = new Conditions(engine);
        owners.AddOwner(filter);
        var corrections = $"(SELECT u.id AS user_id, count(o.user_id) - 1 AS n FROM users u LEFT JOIN {Owners} ON o.user_id = u.id AND {owners} GROUP BY u.id HAVING count(o.user_id) <> 1) a";
        if (engine == DatabaseEngine.Postgres)
        {
            var scanned = new Conditions(engine, owners.Parameters);
            scanned.AddToken(filter);
            return new(
                $"""
                SELECT p.expires_at, CAST(sum(1 + coalesce(a.n, 0)) AS bigint) AS c, CAST(sum(sum(1 + coalesce(a.n, 0))) OVER () AS bigint)
                FROM personal_access_tokens p LEFT JOIN {corrections} ON a.user_id = p.user_id
                WHERE {scanned}
                GROUP BY p.expires_at HAVING sum(1 + coalesce(a.n, 0)) > 0 ORDER BY c DESC, p.expires_at LIMIT {top.ToString(CultureInfo.InvariantCulture)}
                """,
                owners.Parameters);
        }

        var all = new Conditions(engine, owners.Parameters);
        all.AddToken(filter);
        var corrected = new Conditions(engine, owners.Parameters);
        corrected.Add("p.user_id = a.user_id");
        corrected.AddToken(filter);
        return new(
            $"""
            SELECT d.expires_at, CAST(sum(d.c) AS bigint) AS c, CAST(sum(sum(d.c)) OVER () AS bigint)
            FROM (
                SELECT p.expires_at, count(*) AS c FROM personal_access_tokens p WHERE {all} GROUP BY p.expires_at
                UNION ALL
                SELECT p.expires_at, sum(a.n) AS c
                FROM {corrections}
                CROSS JOIN personal_access_tokens p
                WHERE {corrected}
                GROUP BY p.expires_at) d
            GROUP BY d.expires_at HAVING sum(d.c) > 0 ORDER BY c DESC, d.expires_at LIMIT {top.ToString(CultureInfo.InvariantCulture)}
            """,
            owners.Parameters);
    }

    /// <summary>A WHERE clause and its parameters, built the way <see cref="TokenFilter.Apply"/> filters rows.</summary>
    private sealed class Conditions(DatabaseEngine engine, List<KeyValuePair<string, object>>? parameters = null)
    {
        private readonly List<string> _terms = [];

        private Storage.Engines.IEngineSql Sql { get; } = Storage.Engines.StorageEngines.Of(engine);

        public List<KeyValuePair<string, object>> Parameters { get; } = parameters ?? [];

        public void Add(string term) => _terms.Add(term);

        /// <summary>What is known of the owner: its state, its id, its project or group.</summary>
        public void AddOwner(TokenFilter filter)
        {
            // The API's list filters (state, search, created and last-used times) are EF Core's alone.
            if (!filter.IsReportFilter)
            {
                throw new ArgumentException("The plain-SQL reports select by kinds, owner, resource, scope and expiry dates only.", nameof(filter));
            }

            if (!filter.IncludeBlocked)
            {
                Add($"o.state = {Parameter(Core.Authentication.UserStates.Active)}");
            }

            if (filter.UserId is { } userId)
            {
                Add($"o.user_id = {Parameter(userId)}");
            }

            if (filter.GroupIds is not null || filter.ProjectIds is not null)
            {
                Add($"((o.resource_type = '{TokenKinds.Group}' AND o.resource_id IN ({Ids(filter.GroupIds)}))"
                    + $" OR (o.resource_type = '{TokenKinds.Project}' AND o.resource_id IN ({Ids(filter.ProjectIds)})))");
            }
        }

        /// <summary>What is known of the token: revoked, its kind (which needs the owner's resource), scope, expiry.</summary>
        public void AddToken(TokenFilter filter)
        {
            Add("NOT p.revoked");
            if (filter.GroupIds is not null || filter.ProjectIds is not null)
            {
                // Implied by the owner's resource, but it lets SQLite find the few bots' tokens by
                // owner instead of scanning every token in the date range for their resource.
                Add($"p.user_id IN (SELECT m.user_id FROM members m WHERE (m.source_type = '{Member.NamespaceSource}' AND m.source_id IN ({Ids(filter.GroupIds)}))"
                    + $" OR (m.source_type = '{Member.ProjectSource}' AND m.source_id IN ({Ids(filter.ProjectIds)})))");
            }

            if (filter.Kinds.Count < TokenKinds.All.Count)
            {
                Add($"{Kind} IN ({string.Join(", ", filter.Kinds.Select(k => Parameter(k)))})");
            }

            if (filter.Scope is { } scope)
            {
                // Scopes are stored as a JSON array of strings: the quoted name is one of them.
                var needle = Parameter("\"" + scope + "\"");
                Add(Sql.Contains("p.scopes", needle));
            }

            if (filter.NoExpiry)
            {
                Add("p.expires_at IS NULL");
            }

            if (filter.UsedFrom is { } usedFrom)
            {
                // SQLite keeps times as ISO text, which orders after the bare date of their day.
                Add($"p.last_used_at >= {Parameter(engine == DatabaseEngine.Postgres ? usedFrom.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) : usedFrom)}");
            }

            if (filter.ExpiresFrom is { } day && filter.ExpiresTo == day)
            {
                Add($"p.expires_at = {Parameter(day)}");
                return;
            }

            if (filter.ExpiresFrom is { } from)
            {
                Add($"p.expires_at >= {Parameter(from)}");
            }

            if (filter.ExpiresTo is { } to)
            {
                Add($"p.expires_at <= {Parameter(to)}");
            }
        }

        public override string ToString() => _terms.Count == 0 ? "1 = 1" : string.Join(" AND ", _terms);

        private string Parameter(object value)
        {
            var name = "@p" + Parameters.Count.ToString(CultureInfo.InvariantCulture);
            if (value is DateOnly date)
            {
                value = Sql.DateValue(date);
            }

            Parameters.Add(new(name, value));
            return name;
        }

        /// <summary>Ids are numbers, so written out: a group with thousands of subgroups needs no thousands of parameters.</summary>
        public static string Ids(IReadOnlyList<long>? ids)
        {
            if (ids is null || ids.Count == 0)
            {
                return "NULL";
            }

            var text = new StringBuilder();
            foreach (var id in ids)
            {
                text.Append(text.Length == 0 ? string.Empty : ", ").Append(id.ToString(CultureInfo.InvariantCulture));
            }

            return text.ToString();
        }
    }
}
