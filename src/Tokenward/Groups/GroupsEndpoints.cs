using Microsoft.EntityFrameworkCore;
using Tokenward.Api;
using Tokenward.Authentication;
using Tokenward.Core.Authorization;
using Tokenward.Core.Validation;
using Tokenward.Members;
using Tokenward.ResourceAccessTokens;
using Tokenward.Storage;

namespace Tokenward.Groups;

/// <summary>GitLab's <c>/groups</c>: groups and subgroups, visible to their members (and members of groups above them) and admins.</summary>
public static class GroupsEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var groups = api.MapGroup("/groups").WithTags("Groups");
        groups.MapGet("/", List).WithSummary("Groups you are a member of (admins: all)");
        groups.MapPost("/", Create).WithSummary("Create a group or subgroup; you become its Owner");
        groups.MapGet("/{id}", Get).WithSummary("One group, by id or URL-encoded full path");
        groups.MapPut("/{id}", Update).WithSummary("Change a group (Owner): name, max_personal_access_token_lifetime");
        groups.MapDelete("/{id}", Delete).WithSummary("Delete a group with its subgroups and projects (Owner); their access tokens are revoked");
    }

    public static async Task<GroupJson> JsonAsync(Namespace g, Access access, HttpRequest request, CancellationToken ct)
    {
        var fullPath = await access.FullPathAsync(g.Id, ct);
        return new GroupJson(g.Id, g.Name, g.Path, string.Empty, "private", await access.FullNameAsync(g.Id, ct), fullPath, g.ParentId,
            $"{Hosting.ExternalUrl.Of(request)}/groups/{fullPath}", g.CreatedAt, g.MaxPersonalAccessTokenLifetime);
    }

    /// <summary>The group if the caller may see it (any membership, or admin); 404 otherwise, as GitLab hides private groups.</summary>
    public static async Task<(Namespace Group, int Level)> VisibleAsync(string id, CurrentRequest current, Access access, CancellationToken ct)
    {
        var user = current.RequireUser();
        var group = await access.FindGroupAsync(id, ct) ?? throw Access.GroupNotFound();
        var level = current.IsAdmin ? AccessLevels.Owner : await access.GroupAccessAsync(user.Id, group, ct);
        return level > AccessLevels.NoAccess ? (group, level) : throw Access.GroupNotFound();
    }

    private static async Task<IResult> List(HttpContext context, TokenwardDb db, Access access)
    {
        var current = CurrentRequest.Of(context);
        var user = current.RequireUser();
        var p = await ApiParams.ReadAsync(context);
        var ct = context.RequestAborted;
        IQueryable<Namespace> query = db.Namespaces.Where(n => n.Type == Namespace.GroupType);
        if (!current.IsAdmin)
        {
            var visible = await access.VisibleGroupIdsAsync(user.Id, ct);
            query = query.Where(n => visible.Contains(n.Id));
        }

        if (p.String("search") is { Length: > 0 } search)
        {
            var pattern = LikePattern.Containing(search);
            query = query.Where(n => EF.Functions.Like(n.Name.ToLower(), pattern, LikePattern.Escape) || EF.Functions.Like(n.Path.ToLower(), pattern, LikePattern.Escape));
        }

        return TypedResults.Ok(await Pagination.PageMappedAsync(query.OrderBy(n => n.Id), p, context, g => JsonAsync(g, access, context.Request, ct), ct));
    }

    private static async Task<IResult> Get(string id, HttpContext context, Access access)
    {
        var (group, _) = await VisibleAsync(id, CurrentRequest.Of(context), access, context.RequestAborted);
        return TypedResults.Ok(await JsonAsync(group, access, context.Request, context.RequestAborted));
    }

    private static async Task<IResult> Create(HttpContext context, TokenwardDb db, Access access, TimeProvider clock, Audit.AuditLog audit, Audit.ActorContext actor)
    {
        var current = CurrentRequest.Of(context);
        var user = current.RequireUser();
        var p = await ApiParams.ReadAsync(context);
        var ct = context.RequestAborted;
        var name = p.RequiredString("name").Trim();
        if (TextRules.GroupName(name) is { } nameProblem)
        {
            throw ApiException.Invalid("name", nameProblem);
        }

        var path = p.String("path")?.Trim() ?? ResourceNames.PathFrom(name);
        if (!ResourceNames.IsValidPath(path))
        {
            throw ApiException.Invalid("path", ResourceNames.PathProblem);
        }

        if (user.IsBot)
        {
            throw ApiException.Forbidden();
        }

        var parentId = p.Long("parent_id");
        if (parentId is { } pid)
        {
            var (_, level) = await VisibleAsync(pid.ToString(System.Globalization.CultureInfo.InvariantCulture), current, access, ct);
            if (level < AccessLevels.Maintainer)
            {
                throw ApiException.Forbidden();
            }
        }

        var lower = path.ToLowerInvariant();
        if (await db.Namespaces.AnyAsync(n => n.ParentId == parentId && n.Path.ToLower() == lower, ct))
        {
            throw ApiException.Invalid("path", "has already been taken");
        }

        var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        var group = new Namespace { Name = name, Path = path, Type = Namespace.GroupType, ParentId = parentId, CreatedAt = now, UpdatedAt = now };
        await audit.InTransactionAsync(async () =>
        {
            db.Namespaces.Add(group);
            await db.SaveChangesAsync(ct);
            db.Members.Add(new Member { SourceType = Member.NamespaceSource, SourceId = group.Id, UserId = user.Id, AccessLevel = AccessLevels.Owner, CreatedAt = now, UpdatedAt = now });
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(actor.Current, "Group", group.Id, "group_created", "Group", group.Id, new { group.Name, group.Path, parent_id = group.ParentId }, ct);
        }, ct);
        db.ChangeTracker.Clear();
        return TypedResults.Created($"/api/v4/groups/{group.Id}", await JsonAsync(group, access, context.Request, ct));
    }

    private static async Task<IResult> Update(string id, HttpContext context, TokenwardDb db, Access access, Settings.ApplicationSettings settings, Audit.AuditLog audit, Audit.ActorContext actor)
    {
        var ct = context.RequestAborted;
        var (group, level) = await VisibleAsync(id, CurrentRequest.Of(context), access, ct);
        if (level < AccessLevels.Owner)
        {
            throw ApiException.Forbidden();
        }

        var p = await ApiParams.ReadAsync(context);
        var name = p.String("name")?.Trim();
        if (name is { Length: > 0 } && TextRules.GroupName(name) is { } nameProblem)
        {
            throw ApiException.Invalid("name", nameProblem);
        }

        int? limit = group.MaxPersonalAccessTokenLifetime;
        if (p.Has("max_personal_access_token_lifetime"))
        {
            limit = p.String("max_personal_access_token_lifetime") is { Length: > 0 } ? p.Int("max_personal_access_token_lifetime") : null;
            var instance = (await settings.PolicyAsync(ct)).MaxPersonalAccessTokenLifetime;
            if (limit is { } days && (days < 1 || days > instance))
            {
                throw ApiException.Invalid("max_personal_access_token_lifetime", $"must be between 1 and the instance's {instance} days");
            }
        }

        var before = new { group.Name, max_personal_access_token_lifetime = group.MaxPersonalAccessTokenLifetime };
        group.Name = string.IsNullOrEmpty(name) ? group.Name : name;
        group.MaxPersonalAccessTokenLifetime = limit;
        await audit.InTransactionAsync(async () =>
        {
            await db.Namespaces.Where(n => n.Id == group.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(n => n.Name, group.Name).SetProperty(n => n.MaxPersonalAccessTokenLifetime, limit), ct);
            await audit.RecordAsync(actor.Current, "Group", group.Id, "group_setting_updated", "Group", group.Id,
                new { before, after = new { group.Name, max_personal_access_token_lifetime = limit } }, ct);
        }, ct);
        return TypedResults.Ok(await JsonAsync(group, access, context.Request, ct));
    }

    private static async Task<IResult> Delete(string id, HttpContext context, TokenwardDb db, Access access, ResourceAccessTokenService tokens, Audit.AuditLog audit)
    {
        var ct = context.RequestAborted;
        var (group, level) = await VisibleAsync(id, CurrentRequest.Of(context), access, ct);
        if (level < AccessLevels.Owner)
        {
            throw ApiException.Forbidden();
        }

        var groupIds = await access.SubtreeAsync(group.Id, ct);
        var projectIds = await db.Projects.Where(p => groupIds.Contains(p.NamespaceId)).Select(p => p.Id).ToListAsync(ct);
        await audit.InTransactionAsync(async () =>
        {
            await tokens.RetireBotsAsync(Member.NamespaceSource, groupIds, ct);
            await tokens.RetireBotsAsync(Member.ProjectSource, projectIds, ct);
            await audit.RecordAsync(Audit.Actor.Of(context), "Group", group.Id, "group_destroyed", "Group", group.Id,
                new { group.Name, group.Path, subgroups = groupIds.Where(g => g != group.Id).Order().ToArray(), projects = projectIds.Order().ToArray() }, ct);
            await db.Members.Where(m => (m.SourceType == Member.NamespaceSource && groupIds.Contains(m.SourceId)) || (m.SourceType == Member.ProjectSource && projectIds.Contains(m.SourceId))).ExecuteDeleteAsync(ct);
            await db.Projects.Where(p => projectIds.Contains(p.Id)).ExecuteDeleteAsync(ct);
            // Children before parents, for the parent_id foreign key.
            foreach (var gid in groupIds.AsEnumerable().Reverse())
            {
                await db.Namespaces.Where(n => n.Id == gid).ExecuteDeleteAsync(ct);
            }

        }, ct);
        return TypedResults.Json(new Dictionary<string, string> { ["message"] = "202 Accepted" }, statusCode: StatusCodes.Status202Accepted);
    }
}
