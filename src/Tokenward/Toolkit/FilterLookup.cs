using System.Data.Common;
using System.Globalization;
using Tokenward.Storage;

namespace Tokenward.Toolkit;

/// <summary>
/// Turns the users, groups and projects a report's filters name into ids, in plain SQL as the
/// reports themselves: a group or a project by id or by its full path (any case), as the API's
/// <c>:id</c> takes them; a group with all its subgroups and their projects.
/// </summary>
public sealed class FilterLookup(DbConnection connection)
{
    /// <exception cref="ToolkitException">when one does not exist.</exception>
    public async Task<TokenFilter> ResolveAsync(TokenFilter filter, FilterInput input, CancellationToken ct)
    {
        if (input.User is { } user)
        {
            var userId = long.TryParse(user, out var id)
                ? await IdAsync("SELECT id FROM users WHERE id = @p0", [id], ct)
                : await IdAsync("SELECT id FROM users WHERE username = @p0", [user], ct);
            filter = filter with { UserId = userId ?? throw new ToolkitException($"User '{user}' not found", notFound: true) };
        }

        List<long>? groups = null;
        List<long>? projects = null;
        if (input.Group is { } groupRef)
        {
            var group = await GroupAsync(groupRef, ct) ?? throw new ToolkitException($"Group '{groupRef}' not found", notFound: true);
            (groups, projects) = await SubtreeAsync(group, ct);
        }

        if (input.Project is { } projectRef)
        {
            var project = await ProjectAsync(projectRef, ct) ?? throw new ToolkitException($"Project '{projectRef}' not found", notFound: true);
            // With --group too, the project must be in the group.
            projects = projects is null || projects.Contains(project) ? [project] : [];
            groups = [];
        }

        return groups is null && projects is null ? filter : filter with { GroupIds = groups, ProjectIds = projects };
    }

    private async Task<long?> GroupAsync(string idOrPath, CancellationToken ct)
    {
        if (Members.ResourceNames.Unescape(idOrPath) is not { } value)
        {
            return null;
        }

        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return await IdAsync("SELECT id FROM namespaces WHERE id = @p0 AND type = @p1", [id, Namespace.GroupType], ct);
        }

        var found = await NamespaceAsync(value.Split('/'), ct);
        return found is { } ns && ns.Type == Namespace.GroupType ? ns.Id : null;
    }

    private async Task<long?> ProjectAsync(string idOrPath, CancellationToken ct)
    {
        if (Members.ResourceNames.Unescape(idOrPath) is not { } value)
        {
            return null;
        }

        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return await IdAsync("SELECT id FROM projects WHERE id = @p0", [id], ct);
        }

        var segments = value.Split('/');
        if (segments.Length < 2 || await NamespaceAsync(segments[..^1], ct) is not { } ns)
        {
            return null;
        }

        return await IdAsync("SELECT id FROM projects WHERE namespace_id = @p0 AND lower(path) = @p1", [ns.Id, segments[^1].ToLowerInvariant()], ct);
    }

    /// <summary>Walks a full path down from the top level, a segment at a time.</summary>
    private async Task<(long Id, string Type)?> NamespaceAsync(string[] segments, CancellationToken ct)
    {
        (long Id, string Type)? current = null;
        foreach (var segment in segments)
        {
            await using var command = current is { } parent
                ? new SqlStatement("SELECT id, type FROM namespaces WHERE parent_id = @p0 AND lower(path) = @p1", Parameters([parent.Id, segment.ToLowerInvariant()])).CreateCommand(connection)
                : new SqlStatement("SELECT id, type FROM namespaces WHERE parent_id IS NULL AND lower(path) = @p0", Parameters([segment.ToLowerInvariant()])).CreateCommand(connection);
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }

            current = (reader.GetInt64(0), reader.GetString(1));
        }

        return current;
    }

    /// <summary>The group, every group below it, and the projects in any of them: one recursive query.</summary>
    private async Task<(List<long> Groups, List<long> Projects)> SubtreeAsync(long group, CancellationToken ct)
    {
        var sql = $"""
            {GroupSubtreeSql.Tree("@p0")}
            SELECT 'group', id FROM (SELECT id FROM tree LIMIT @p1) g
            UNION ALL SELECT 'project', p.id FROM projects p WHERE p.namespace_id IN (SELECT id FROM tree)
            """;
        await using var command = new SqlStatement(sql, Parameters([group, (long)Core.Groups.GroupTree.MaxGroups])).CreateCommand(connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var (groups, projects) = (new List<long>(), new List<long>());
        while (await reader.ReadAsync(ct))
        {
            (reader.GetString(0) == "group" ? groups : projects).Add(reader.GetInt64(1));
        }

        return (groups, projects);
    }

    private async Task<long?> IdAsync(string sql, object[] values, CancellationToken ct)
    {
        await using var command = new SqlStatement(sql, Parameters(values)).CreateCommand(connection);
        return await command.ExecuteScalarAsync(ct) is { } id and not DBNull ? Convert.ToInt64(id, CultureInfo.InvariantCulture) : null;
    }

    private static List<KeyValuePair<string, object>> Parameters(object[] values) =>
        values.Select((v, i) => new KeyValuePair<string, object>("@p" + i.ToString(CultureInfo.InvariantCulture), v)).ToList();
}
