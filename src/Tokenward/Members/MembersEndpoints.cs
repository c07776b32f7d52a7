using Microsoft.EntityFrameworkCore;
using Tokenward.Api;
using Tokenward.Authentication;
using Tokenward.Core.Authorization;
using Tokenward.PersonalAccessTokens;
using Tokenward.Storage;

namespace Tokenward.Members;

/// <summary>GitLab's <c>/groups/:id/members</c> and <c>/projects/:id/members</c> (direct members).</summary>
public static class MembersEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        foreach (var kind in new[] { "groups", "projects" })
        {
            var members = api.MapGroup($"/{kind}/{{id}}/members").WithTags("Members");
            members.MapGet("/", (string id, HttpContext c, TokenwardDb db, Access a) => ListAsync(kind, id, c, db, a)).WithSummary($"Direct members of a {kind[..^1]}");
            members.MapPost("/", (string id, HttpContext c, TokenwardDb db, Access a, TimeProvider clock) => AddAsync(kind, id, c, db, a, clock))
                .WithSummary($"Add a member to a {kind[..^1]} (Maintainer of a project, Owner of a group)");
            members.MapDelete("/{user_id}", (string id, string user_id, HttpContext c, TokenwardDb db, Access a) => RemoveAsync(kind, id, user_id, c, db, a))
                .WithSummary($"Remove a member from a {kind[..^1]}");
        }
    }

    private static async Task<IResult> ListAsync(string kind, string id, HttpContext context, TokenwardDb db, Access access)
    {
        var ct = context.RequestAborted;
        var resource = await ResourceRef.ResolveAsync(kind, id, CurrentRequest.Of(context), access, ct);
        var p = await ApiParams.ReadAsync(context);
        var query = db.Members.Where(m => m.SourceType == resource.SourceType && m.SourceId == resource.Id)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { m, u })
            .OrderBy(x => x.m.Id);
        var page = await Pagination.PageAsync(query, p, context, ct);
        return TypedResults.Ok(page.Select(x => Json(x.m, x.u, context.Request)));
    }

    private static async Task<IResult> AddAsync(string kind, string id, HttpContext context, TokenwardDb db, Access access, TimeProvider clock)
    {
        var ct = context.RequestAborted;
        var current = CurrentRequest.Of(context);
        var resource = await ResourceRef.ResolveAsync(kind, id, current, access, ct);
        var p = await ApiParams.ReadAsync(context);
        var username = p.String("username");
        var userId = p.Long("user_id");
        if (userId is null && username is null)
        {
            throw ApiException.InvalidParameter("user_id, username are missing, exactly one parameter must be provided");
        }

        var level = p.Int("access_level") ?? throw ApiException.InvalidParameter("access_level is missing");
        if (!AccessLevels.IsValid(level))
        {
            throw ApiException.InvalidParameter("access_level does not have a valid value");
        }

        if (resource.CallerLevel < resource.ManageLevel || (!current.IsAdmin && level > resource.CallerLevel))
        {
            throw ApiException.Forbidden();
        }

        var lower = username?.ToLowerInvariant();
        var user = await (userId is { } uid ? db.Users.FirstOrDefaultAsync(u => u.Id == uid, ct) : db.Users.FirstOrDefaultAsync(u => u.Username.ToLower() == lower, ct))
            ?? throw ApiException.NotFound("User");
        if (user.IsBot)
        {
            // A bot belongs to the resource it was made for; elsewhere its token would be managed by strangers.
            throw ApiException.Invalid("user_id", "project bots cannot be added to other groups / projects");
        }

        if (await db.Members.AnyAsync(m => m.SourceType == resource.SourceType && m.SourceId == resource.Id && m.UserId == user.Id, ct))
        {
            throw ApiException.Conflict("Member already exists");
        }

        var now = Authentication.TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        var member = new Member { SourceType = resource.SourceType, SourceId = resource.Id, UserId = user.Id, AccessLevel = level, CreatedAt = now, UpdatedAt = now };
        var audit = context.RequestServices.GetRequiredService<Audit.AuditLog>();
        await audit.InTransactionAsync(async () =>
        {
            db.Members.Add(member);
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(context.RequestServices.GetRequiredService<Audit.ActorContext>().Current, resource.Kind == "project" ? "Project" : "Group", resource.Id,
                "member_created", "User", user.Id, new { username = user.Username, access_level = level }, ct);
        }, ct);
        return TypedResults.Created($"/api/v4/{kind}/{resource.Id}/members/{user.Id}", Json(member, user, context.Request));
    }

    private static async Task<IResult> RemoveAsync(string kind, string id, string userValue, HttpContext context, TokenwardDb db, Access access)
    {
        var ct = context.RequestAborted;
        var current = CurrentRequest.Of(context);
        var resource = await ResourceRef.ResolveAsync(kind, id, current, access, ct);
        var userId = PersonalAccessTokensEndpoints.ParseId(userValue, "user_id");
        var member = await db.Members.FirstOrDefaultAsync(m => m.SourceType == resource.SourceType && m.SourceId == resource.Id && m.UserId == userId, ct)
            ?? throw ApiException.NotFound("Member");
        var self = member.UserId == current.User!.Id;
        if (!self && (resource.CallerLevel < resource.ManageLevel || (!current.IsAdmin && member.AccessLevel > resource.CallerLevel)))
        {
            throw ApiException.Forbidden();
        }

        if (await db.Users.AnyAsync(u => u.Id == member.UserId && u.UserType == UserTypes.ProjectBot, ct))
        {
            // Without its membership a bot's tokens would drop out of the resource's list and rules.
            throw ApiException.BadRequest("A project or group bot leaves with its access token: revoke the token instead");
        }

        Preconditions.CheckUnmodifiedSince(context.Request, member.UpdatedAt);
        var audit = context.RequestServices.GetRequiredService<Audit.AuditLog>();
        await audit.InTransactionAsync(async () =>
        {
            await db.Members.Where(m => m.Id == member.Id).ExecuteDeleteAsync(ct);
            await audit.RecordAsync(context.RequestServices.GetRequiredService<Audit.ActorContext>().Current, resource.Kind == "project" ? "Project" : "Group", resource.Id,
                "member_destroyed", "User", member.UserId, new { before = new { access_level = member.AccessLevel } }, ct);
        }, ct);
        return TypedResults.NoContent();
    }

    private static MemberJson Json(Member m, User u, HttpRequest request) =>
        new(u.Id, u.Username, u.Name, u.State, null, $"{Hosting.ExternalUrl.Of(request)}/{u.Username}", m.AccessLevel, m.CreatedAt, null);
}
