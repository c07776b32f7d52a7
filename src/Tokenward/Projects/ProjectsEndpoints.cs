using Microsoft.EntityFrameworkCore;
using Tokenward.Api;
using Tokenward.Authentication;
using Tokenward.Core.Authorization;
using Tokenward.Core.Validation;
using Tokenward.Members;
using Tokenward.ResourceAccessTokens;
using Tokenward.Storage;

namespace Tokenward.Projects;

/// <summary>GitLab's <c>/projects</c>: projects in a group's or a user's namespace, visible to their members and admins.</summary>
public static class ProjectsEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var projects = api.MapGroup("/projects").WithTags("Projects");
        projects.MapGet("/", List).WithSummary("Projects you are a member of (admins: all)");
        projects.MapPost("/", Create).WithSummary("Create a project in your namespace or a group (Maintainer)");
        projects.MapGet("/{id}", Get).WithSummary("One project, by id or URL-encoded path with namespace");
        projects.MapDelete("/{id}", Delete).WithSummary("Delete a project (Owner); its access tokens are revoked");
    }

    public static async Task<ProjectJson> JsonAsync(Project p, Access access, HttpRequest request, CancellationToken ct)
    {
        var chain = await access.ChainAsync(p.NamespaceId, ct);
        var nsPath = string.Join('/', chain.AsEnumerable().Reverse().Select(n => n.Path));
        var nsName = string.Join(" / ", chain.AsEnumerable().Reverse().Select(n => n.Name));
        var ns = chain[0];
        return new ProjectJson(p.Id, p.Name, p.Path, $"{nsName} / {p.Name}", $"{nsPath}/{p.Path}", string.Empty, "private",
            new NamespaceJson(ns.Id, ns.Name, ns.Path, ns.Type == Namespace.GroupType ? "group" : "user", nsPath, ns.ParentId),
            $"{Hosting.ExternalUrl.Of(request)}/{nsPath}/{p.Path}", p.CreatedAt);
    }

    /// <summary>The project if the caller may see it; 404 otherwise.</summary>
    public static async Task<(Project Project, int Level)> VisibleAsync(string id, CurrentRequest current, Access access, CancellationToken ct)
    {
        var user = current.RequireUser();
        var project = await access.FindProjectAsync(id, ct) ?? throw Access.ProjectNotFound();
        var level = current.IsAdmin ? AccessLevels.Owner : await access.ProjectAccessAsync(user.Id, project, ct);
        return level > AccessLevels.NoAccess ? (project, level) : throw Access.ProjectNotFound();
    }

    private static async Task<IResult> List(HttpContext context, TokenwardDb db, Access access)
    {
        var current = CurrentRequest.Of(context);
        var user = current.RequireUser();
        var p = await ApiParams.ReadAsync(context);
        var ct = context.RequestAborted;
        IQueryable<Project> query = db.Projects;
        if (!current.IsAdmin)
        {
            var groups = await access.VisibleGroupIdsAsync(user.Id, ct);
            var own = await db.Namespaces.Where(n => n.Type == Namespace.UserType && n.OwnerId == user.Id).Select(n => n.Id).ToListAsync(ct);
            var direct = await db.Members.Where(m => m.UserId == user.Id && m.SourceType == Member.ProjectSource).Select(m => m.SourceId).ToListAsync(ct);
            var namespaces = groups.Concat(own).ToList();
            query = query.Where(pr => namespaces.Contains(pr.NamespaceId) || direct.Contains(pr.Id));
        }

        if (p.String("search") is { Length: > 0 } search)
        {
            var pattern = LikePattern.Containing(search);
            query = query.Where(pr => EF.Functions.Like(pr.Name.ToLower(), pattern, LikePattern.Escape) || EF.Functions.Like(pr.Path.ToLower(), pattern, LikePattern.Escape));
        }

        return TypedResults.Ok(await Pagination.PageMappedAsync(query.OrderBy(pr => pr.Id), p, context, project => JsonAsync(project, access, context.Request, ct), ct));
    }

    private static async Task<IResult> Get(string id, HttpContext context, Access access)
    {
        var (project, _) = await VisibleAsync(id, CurrentRequest.Of(context), access, context.RequestAborted);
        return TypedResults.Ok(await JsonAsync(project, access, context.Request, context.RequestAborted));
    }

    private static async Task<IResult> Create(HttpContext context, TokenwardDb db, Access access, TimeProvider clock, Audit.AuditLog audit, Audit.ActorContext actor)
    {
        var current = CurrentRequest.Of(context);
        var user = current.RequireUser();
        var p = await ApiParams.ReadAsync(context);
        var ct = context.RequestAborted;
        var name = p.String("name")?.Trim() ?? p.String("path")?.Trim() ?? throw ApiException.InvalidParameter("name is missing, path is missing, exactly one parameter must be provided");
        if (TextRules.ProjectName(name) is { } nameProblem)
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

        var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        long namespaceId;
        if (p.Long("namespace_id") is { } nsId)
        {
            var ns = await db.Namespaces.FirstOrDefaultAsync(n => n.Id == nsId, ct) ?? throw ApiException.NotFound("Namespace");
            if (ns.Type == Namespace.UserType ? ns.OwnerId != user.Id && !current.IsAdmin
                : (current.IsAdmin ? AccessLevels.Owner : await access.GroupAccessAsync(user.Id, ns, ct)) < AccessLevels.Maintainer)
            {
                throw ApiException.Forbidden();
            }

            namespaceId = ns.Id;
        }
        else
        {
            namespaceId = await UserNamespaceAsync(db, user, now, ct);
        }

        var lower = path.ToLowerInvariant();
        if (await db.Projects.AnyAsync(pr => pr.NamespaceId == namespaceId && pr.Path.ToLower() == lower, ct))
        {
            throw ApiException.Invalid("path", "has already been taken");
        }

        var project = new Project { Name = name, Path = path, NamespaceId = namespaceId, CreatorId = user.Id, CreatedAt = now, UpdatedAt = now };
        await audit.InTransactionAsync(async () =>
        {
            db.Projects.Add(project);
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(actor.Current, "Project", project.Id, "project_created", "Project", project.Id, new { project.Name, project.Path, namespace_id = project.NamespaceId }, ct);
        }, ct);
        db.ChangeTracker.Clear();
        return TypedResults.Created($"/api/v4/projects/{project.Id}", await JsonAsync(project, access, context.Request, ct));
    }

    private static async Task<IResult> Delete(string id, HttpContext context, TokenwardDb db, Access access, ResourceAccessTokenService tokens, Audit.AuditLog audit)
    {
        var ct = context.RequestAborted;
        var (project, level) = await VisibleAsync(id, CurrentRequest.Of(context), access, ct);
        if (level < AccessLevels.Owner)
        {
            throw ApiException.Forbidden();
        }

        await audit.InTransactionAsync(async () =>
        {
            await tokens.RetireBotsAsync(Member.ProjectSource, [project.Id], ct);
            await audit.RecordAsync(Audit.Actor.Of(context), "Project", project.Id, "project_destroyed", "Project", project.Id, new { project.Name, project.Path, namespace_id = project.NamespaceId }, ct);
            await db.Members.Where(m => m.SourceType == Member.ProjectSource && m.SourceId == project.Id).ExecuteDeleteAsync(ct);
            await db.Projects.Where(pr => pr.Id == project.Id).ExecuteDeleteAsync(ct);
        }, ct);
        return TypedResults.Json(new Dictionary<string, string> { ["message"] = "202 Accepted" }, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>The user's own namespace, made on first use (GitLab makes it with the user).</summary>
    private static async Task<long> UserNamespaceAsync(TokenwardDb db, User user, DateTime now, CancellationToken ct)
    {
        var existing = await db.Namespaces.Where(n => n.Type == Namespace.UserType && n.OwnerId == user.Id).Select(n => (long?)n.Id).FirstOrDefaultAsync(ct);
        if (existing is { } id)
        {
            return id;
        }

        var ns = new Namespace { Name = user.Name, Path = user.Username, Type = Namespace.UserType, OwnerId = user.Id, CreatedAt = now, UpdatedAt = now };
        db.Namespaces.Add(ns);
        await db.SaveChangesAsync(ct);
        return ns.Id;
    }
}
