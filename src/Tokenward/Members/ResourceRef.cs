using Tokenward.Authentication;
using Tokenward.Core.Authorization;
using Tokenward.Groups;
using Tokenward.Projects;
using Tokenward.Storage;

namespace Tokenward.Members;

/// <summary>A group or project named in a route, with the caller's access level in it.</summary>
public sealed record ResourceRef(string SourceType, long Id, string Name, int CallerLevel)
{
    /// <summary><c>project</c> or <c>group</c>, as resource tokens' <c>resource_type</c> says.</summary>
    public string Kind => SourceType == Member.ProjectSource ? "project" : "group";

    /// <summary>Who may manage its members and access tokens: Maintainers of a project, Owners of a group.</summary>
    public int ManageLevel => SourceType == Member.ProjectSource ? AccessLevels.Maintainer : AccessLevels.Owner;

    public static async Task<ResourceRef> ResolveAsync(string kind, string id, CurrentRequest current, Access access, CancellationToken ct)
    {
        if (kind == "projects")
        {
            var (project, level) = await ProjectsEndpoints.VisibleAsync(id, current, access, ct);
            return new ResourceRef(Member.ProjectSource, project.Id, project.Name, level);
        }

        var (group, groupLevel) = await GroupsEndpoints.VisibleAsync(id, current, access, ct);
        return new ResourceRef(Member.NamespaceSource, group.Id, group.Name, groupLevel);
    }
}
