using Microsoft.EntityFrameworkCore;
using Tokenward.Api;
using Tokenward.Core.Authorization;
using Tokenward.Storage;

namespace Tokenward.Members;

/// <summary>
/// Finds groups and projects by id or full path, and a user's effective access level in them: the
/// highest of their memberships in the resource and every group above it (membership in a group
/// applies to its subgroups and projects), and Owner of their own namespace.
/// </summary>
public sealed class Access(TokenwardDb db)
{
    /// <summary>The group named by a numeric id or a URL-encoded full path (<c>parent%2Fchild</c>).</summary>
    public async Task<Namespace?> FindGroupAsync(string idOrPath, CancellationToken ct)
    {
        if (ResourceNames.Unescape(idOrPath) is not { } value)
        {
            return null;
        }

        if (long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
        {
            return await db.Namespaces.FirstOrDefaultAsync(n => n.Id == id && n.Type == Namespace.GroupType, ct);
        }

        var ns = await FindNamespaceByPathAsync(value.Split('/'), ct);
        return ns?.Type == Namespace.GroupType ? ns : null;
    }

    /// <summary>The project named by a numeric id or a URL-encoded <c>namespace/path</c>.</summary>
    public async Task<Project?> FindProjectAsync(string idOrPath, CancellationToken ct)
    {
        if (ResourceNames.Unescape(idOrPath) is not { } value)
        {
            return null;
        }

        if (long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
        {
            return await db.Projects.FirstOrDefaultAsync(p => p.Id == id, ct);
        }

        var segments = value.Split('/');
        if (segments.Length < 2)
        {
            return null;
        }

        var ns = await FindNamespaceByPathAsync(segments[..^1], ct);
        if (ns is null)
        {
            return null;
        }

        var path = segments[^1].ToLowerInvariant();
        return await db.Projects.FirstOrDefaultAsync(p => p.NamespaceId == ns.Id && p.Path.ToLower() == path, ct);
    }

    /// <summary>The namespace and every group above it, nearest first.</summary>
    public async Task<List<Namespace>> ChainAsync(long namespaceId, CancellationToken ct)
    {
        var chain = new List<Namespace>();
        long? next = namespaceId;
        while (next is { } id && chain.Count < 100)
        {
            var ns = await db.Namespaces.FirstOrDefaultAsync(n => n.Id == id, ct);
            if (ns is null)
            {
                break;
            }

            chain.Add(ns);
            next = ns.ParentId;
        }

        return chain;
    }

    public async Task<string> FullPathAsync(long namespaceId, CancellationToken ct) =>
        string.Join('/', (await ChainAsync(namespaceId, ct)).AsEnumerable().Reverse().Select(n => n.Path));

    public async Task<string> FullNameAsync(long namespaceId, CancellationToken ct) =>
        string.Join(" / ", (await ChainAsync(namespaceId, ct)).AsEnumerable().Reverse().Select(n => n.Name));

    public async Task<int> GroupAccessAsync(long userId, Namespace group, CancellationToken ct)
    {
        var ids = (await ChainAsync(group.Id, ct)).Select(n => n.Id).ToList();
        return await MaxLevelAsync(userId, Member.NamespaceSource, ids, ct);
    }

    public async Task<int> ProjectAccessAsync(long userId, Project project, CancellationToken ct)
    {
        var chain = await ChainAsync(project.NamespaceId, ct);
        if (chain.Count > 0 && chain[0].Type == Namespace.UserType && chain[0].OwnerId == userId)
        {
            return AccessLevels.Owner;
        }

        var direct = await MaxLevelAsync(userId, Member.ProjectSource, [project.Id], ct);
        var inherited = await MaxLevelAsync(userId, Member.NamespaceSource, chain.Where(n => n.Type == Namespace.GroupType).Select(n => n.Id).ToList(), ct);
        return Math.Max(direct, inherited);
    }

    /// <summary>Ids of the group and all groups below it.</summary>
    public Task<List<long>> SubtreeAsync(long groupId, CancellationToken ct) =>
        db.Database.SqlQueryRaw<long>(GroupSubtreeSql.Ids("{0}"), groupId).ToListAsync(ct);

    /// <summary>Groups a user can see: those they are a member of and everything below them.</summary>
    public async Task<List<long>> VisibleGroupIdsAsync(long userId, CancellationToken ct)
    {
        var direct = await db.Members.Where(m => m.UserId == userId && m.SourceType == Member.NamespaceSource).Select(m => m.SourceId).ToListAsync(ct);
        var visible = new HashSet<long>();
        foreach (var id in direct)
        {
            if (!visible.Contains(id))
            {
                visible.UnionWith(await SubtreeAsync(id, ct));
            }
        }

        return visible.ToList();
    }

    public static ApiException GroupNotFound() => ApiException.NotFound("Group");

    public static ApiException ProjectNotFound() => ApiException.NotFound("Project");

    private async Task<Namespace?> FindNamespaceByPathAsync(string[] segments, CancellationToken ct)
    {
        Namespace? current = null;
        foreach (var segment in segments)
        {
            var path = segment.ToLowerInvariant();
            long? parent = current?.Id;
            current = await db.Namespaces.FirstOrDefaultAsync(n => n.ParentId == parent && n.Path.ToLower() == path, ct);
            if (current is null)
            {
                return null;
            }
        }

        return current;
    }

    private async Task<int> MaxLevelAsync(long userId, string sourceType, List<long> sourceIds, CancellationToken ct) =>
        sourceIds.Count == 0
            ? AccessLevels.NoAccess
            : await db.Members.Where(m => m.UserId == userId && m.SourceType == sourceType && sourceIds.Contains(m.SourceId))
                .Select(m => (int?)m.AccessLevel).MaxAsync(ct) ?? AccessLevels.NoAccess;
}
