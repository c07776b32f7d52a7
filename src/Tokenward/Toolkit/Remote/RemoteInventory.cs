using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tokenward.Core.Authentication;

namespace Tokenward.Toolkit.Remote;

/// <summary>
/// The toolkit's reports over a GitLab-compatible API, through public endpoints only: users from
/// <c>/users</c>, tokens from <c>/personal_access_tokens</c> (narrowed on the server by date where
/// it can), a bot token's project or group from the bot's name confirmed by that resource's
/// <c>/access_tokens</c>, impersonation from <c>/users/:id/impersonation_tokens</c> of the owners
/// that matter. The rows then go through the same <see cref="TokenFilter"/> as local ones.
/// </summary>
public sealed partial class RemoteInventory(GitLabApi api, TextWriter? notices = null, TimeProvider? clock = null) : ITokenReports
{
    private DateOnly Today => TokenStates.Today(clock ?? TimeProvider.System);

    private readonly Dictionary<(string Kind, long Id), Resource?> _resources = [];
    private Dictionary<long, RemoteUser>? _users;

    private sealed record RemoteUser(long Id, string Username, string? Email, string State, bool Bot);

    private sealed record Resource(string Path, HashSet<long> TokenIds);

    /// <summary>Looks the filters' users, groups and projects up through the API.</summary>
    /// <exception cref="ToolkitException">when the token is not an administrator's: a report would silently cover only its own tokens.</exception>
    public async Task<TokenFilter> ResolveAsync(FilterInput input, CancellationToken ct)
    {
        var self = await api.GetAsync("api/v4/user", ct) ?? throw new ToolkitException("the server has no /api/v4/user: is --url a GitLab-compatible API?");
        if (!self.TryGetProperty("is_admin", out var admin) || admin.ValueKind != JsonValueKind.True)
        {
            throw new ToolkitException($"the token belongs to {self.GetProperty("username").GetString()}, who is not an administrator (403): the reports need an administrator's token to see every user's tokens");
        }

        var filter = new TokenFilter { Kinds = input.CheckedKinds(), Scope = input.CheckedScope(), IncludeBlocked = input.IncludeBlocked };
        if (input.User is { } user)
        {
            var users = await UsersAsync(ct);
            var found = long.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? users.GetValueOrDefault(id)
                : users.Values.FirstOrDefault(u => string.Equals(u.Username, user, StringComparison.OrdinalIgnoreCase));
            filter = filter with { UserId = found?.Id ?? throw new ToolkitException($"User '{user}' not found", notFound: true) };
        }

        List<long>? groups = null;
        List<long>? projects = null;
        if (input.Group is { } groupRef)
        {
            var group = await api.GetAsync("api/v4/groups/" + Uri.EscapeDataString(groupRef), ct) ?? throw new ToolkitException($"Group '{groupRef}' not found", notFound: true);
            var all = new List<(long Id, long? Parent)>();
            await foreach (var g in api.ListAsync("api/v4/groups?all_available=true", ct))
            {
                all.Add((g.GetProperty("id").GetInt64(), g.TryGetProperty("parent_id", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt64() : null));
            }

            groups = Core.Groups.GroupTree.Subtree(group.GetProperty("id").GetInt64(), all);

            var within = groups.ToHashSet();
            projects = [];
            await foreach (var p in api.ListAsync("api/v4/projects", ct))
            {
                if (within.Contains(p.GetProperty("namespace").GetProperty("id").GetInt64()))
                {
                    projects.Add(p.GetProperty("id").GetInt64());
                }
            }
        }

        if (input.Project is { } projectRef)
        {
            var project = await api.GetAsync("api/v4/projects/" + Uri.EscapeDataString(projectRef), ct) ?? throw new ToolkitException($"Project '{projectRef}' not found", notFound: true);
            var projectId = project.GetProperty("id").GetInt64();
            projects = projects is null || projects.Contains(projectId) ? [projectId] : [];
            groups = [];
        }

        return groups is null && projects is null ? filter : filter with { GroupIds = groups, ProjectIds = projects };
    }

    /// <summary>The report's rows, in the local report's order.</summary>
    public async IAsyncEnumerable<ReportRow> StreamAsync(TokenFilter filter, [EnumeratorCancellation] CancellationToken ct)
    {
        var rows = await RowsAsync(filter, ct);
        foreach (var row in filter.Apply(rows.AsQueryable(), Today).OrderBy(r => r.ExpiresAt).ThenBy(r => r.Id))
        {
            yield return row;
        }
    }

    public async Task<List<ExpiryDateCount>> ExpiryDatesAsync(TokenFilter filter, DateOnly today, int top, CancellationToken ct)
    {
        var active = filter with { ExpiresFrom = today.AddDays(1), NoExpiry = false };
        var rows = await RowsAsync(active, ct);
        var selected = active.Apply(rows.AsQueryable(), today).ToList();
        return selected
            .GroupBy(r => r.ExpiresAt!.Value)
            .Select(g => new ExpiryDateCount(g.Key, g.Count()) { ActiveWithDate = selected.Count })
            .OrderByDescending(d => d.Count).ThenBy(d => d.Date)
            .Take(top)
            .ToList();
    }

    public async Task<List<ReportRow>> FindAsync(IReadOnlyCollection<long> ids, CancellationToken ct)
    {
        var users = await UsersAsync(ct);
        var rows = new List<ReportRow>();
        foreach (var id in ids)
        {
            if (await api.GetAsync(string.Create(CultureInfo.InvariantCulture, $"api/v4/personal_access_tokens/{id}"), ct) is not { } t)
            {
                continue;
            }

            var owner = Owner(users, t);
            var row = Row(t, owner);
            rows.Add(BotResource(owner.Username) is var (kind, resourceId) ? row with { Kind = kind, ResourceType = kind, ResourceId = resourceId } : row);
        }

        return rows;
    }

    /// <summary>Candidate rows: not revoked, in the filter's dates (the server narrows; the filter decides).</summary>
    private async Task<List<ReportRow>> RowsAsync(TokenFilter filter, CancellationToken ct)
    {
        var users = await UsersAsync(ct);
        var query = "api/v4/personal_access_tokens?revoked=false";
        if (filter.ExpiresFrom is { } from)
        {
            query += $"&expires_after={from:yyyy-MM-dd}";
        }

        if (filter.ExpiresTo is { } to)
        {
            query += $"&expires_before={to.AddDays(1):yyyy-MM-dd}";
        }

        if (filter.UserId is { } userId)
        {
            query += string.Create(CultureInfo.InvariantCulture, $"&user_id={userId}");
        }

        var rows = new List<ReportRow>();
        var unresolvedBots = 0;
        await foreach (var t in api.ListAsync(query, ct))
        {
            var owner = Owner(users, t);
            var row = Row(t, owner);
            var bot = BotResource(owner.Username);
            if (!owner.Bot && bot is null)
            {
                rows.Add(row);
                continue;
            }

            var (kind, resourceId) = bot ?? (TokenKinds.Project, 0);
            var resource = bot is not null && filter.Kinds.Contains(kind) ? await ResourceAsync(kind, resourceId, ct) : null;
            if (resource is null || !resource.TokenIds.Contains(row.Id))
            {
                unresolvedBots += filter.Kinds.Contains(kind) ? 1 : 0;
                continue;
            }

            rows.Add(row with { Kind = kind, ResourceType = kind, ResourceId = resourceId, ResourcePath = resource.Path });
        }

        if (unresolvedBots > 0 && notices is not null)
        {
            await notices.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"tokenward: {unresolvedBots} bot token(s) left out: their project or group could not be found through the API"));
        }

        return await MarkImpersonationAsync(rows, filter, ct);
    }

    /// <summary>Asks, for the owners whose tokens the filter would keep, which of them are impersonation tokens.</summary>
    private async Task<List<ReportRow>> MarkImpersonationAsync(List<ReportRow> rows, TokenFilter filter, CancellationToken ct)
    {
        var candidates = (filter with { Kinds = TokenKinds.All }).Apply(rows.AsQueryable(), Today).Where(r => r.Kind == TokenKinds.Personal).Select(r => r.UserId).Distinct().ToList();
        var impersonation = new HashSet<long>();
        foreach (var userId in candidates)
        {
            await foreach (var t in api.ListAsync(string.Create(CultureInfo.InvariantCulture, $"api/v4/users/{userId}/impersonation_tokens?state=all"), ct))
            {
                impersonation.Add(t.GetProperty("id").GetInt64());
            }
        }

        return rows.Select(r => impersonation.Contains(r.Id) ? r with { Kind = TokenKinds.Impersonation } : r).ToList();
    }

    private async Task<Dictionary<long, RemoteUser>> UsersAsync(CancellationToken ct)
    {
        if (_users is not null)
        {
            return _users;
        }

        _users = [];
        await foreach (var u in api.ListAsync("api/v4/users", ct))
        {
            var state = u.GetProperty("state").GetString() ?? UserStates.Active;
            _users[u.GetProperty("id").GetInt64()] = new RemoteUser(
                u.GetProperty("id").GetInt64(),
                u.GetProperty("username").GetString() ?? string.Empty,
                u.TryGetProperty("email", out var email) ? email.GetString() : null,
                state == "ldap_blocked" ? UserStates.Blocked : state,
                u.TryGetProperty("bot", out var bot) && bot.ValueKind == JsonValueKind.True);
        }

        return _users;
    }

    /// <summary>The project or group, with the ids of its access tokens; null when it is gone.</summary>
    private async Task<Resource?> ResourceAsync(string kind, long id, CancellationToken ct)
    {
        if (_resources.TryGetValue((kind, id), out var known))
        {
            return known;
        }

        var collection = kind == TokenKinds.Project ? "projects" : "groups";
        var found = await api.GetAsync(string.Create(CultureInfo.InvariantCulture, $"api/v4/{collection}/{id}"), ct);
        Resource? resource = null;
        if (found is { } r)
        {
            var path = r.GetProperty("path").GetString() ?? string.Empty;
            resource = new Resource(path, []);
            await foreach (var t in api.ListAsync(string.Create(CultureInfo.InvariantCulture, $"api/v4/{collection}/{id}/access_tokens?state=active"), ct))
            {
                resource.TokenIds.Add(t.GetProperty("id").GetInt64());
            }
        }

        _resources[(kind, id)] = resource;
        return resource;
    }

    private static ReportRow Row(JsonElement t, RemoteUser owner) => new()
    {
        Id = t.GetProperty("id").GetInt64(),
        Kind = TokenKinds.Personal,
        Name = t.GetProperty("name").GetString() ?? string.Empty,
        UserId = owner.Id,
        Username = owner.Username,
        UserEmail = owner.Email,
        UserState = owner.State,
        Scopes = t.GetProperty("scopes").GetRawText().Replace(" ", string.Empty, StringComparison.Ordinal),
        Revoked = t.TryGetProperty("revoked", out var revoked) && revoked.ValueKind == JsonValueKind.True,
        ExpiresAt = t.TryGetProperty("expires_at", out var e) && e.ValueKind == JsonValueKind.String
            ? DateOnly.ParseExact(e.GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null,
        LastUsedAt = Time(t, "last_used_at"),
        CreatedAt = Time(t, "created_at") ?? default,
    };

    private static DateTime? Time(JsonElement t, string name) =>
        t.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? DateTime.Parse(v.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal)
            : null;

    private static RemoteUser Owner(Dictionary<long, RemoteUser> users, JsonElement token)
    {
        var id = token.GetProperty("user_id").GetInt64();
        return users.GetValueOrDefault(id) ?? new RemoteUser(id, $"user {id}", null, UserStates.Active, false);
    }

    /// <summary>The kind (<c>project</c> or <c>group</c>) and id of the resource a bot's name says it belongs to, or null for a person.</summary>
    private static (string Kind, long Id)? BotResource(string username) =>
        BotName().Match(username) is { Success: true } m
            ? (m.Groups["kind"].Value == "group" ? TokenKinds.Group : TokenKinds.Project, long.Parse(m.Groups["id"].Value, CultureInfo.InvariantCulture))
            : null;

    /// <summary>GitLab names a project or group token's bot <c>project_7_bot_3f2a…</c> or <c>group_25_bot_9c1d…</c>.</summary>
    [GeneratedRegex(@"^(?<kind>project|group)_(?<id>\d+)_bot(_|$)", RegexOptions.CultureInvariant)]
    private static partial Regex BotName();
}
