using Tokenward.Api;
using Tokenward.Storage;

namespace Tokenward.Audit;

/// <summary>GitLab's instance audit events API, <c>GET /audit_events</c> (admins).</summary>
public static class AuditEventsEndpoints
{
    public static readonly string[] EntityTypes = ["User", "Project", "Group", "Instance"];

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/audit_events", List).AdminOnly(ApiAccess.Read).WithTags("Audit events")
            .WithSummary("Audit events, newest first: created_after, created_before, entity_type, entity_id (admin)");
        api.MapGet("/audit_events/{id}", Get).AdminOnly(ApiAccess.Read).WithTags("Audit events").WithSummary("One audit event (admin)");
    }

    private static async Task<IResult> List(HttpContext context, TokenwardDb db)
    {
        var p = await ApiParams.ReadAsync(context);
        var query = Filter(db.AuditEvents, new AuditFilter(p.Time("created_after"), p.Time("created_before"), p.OneOf("entity_type", EntityTypes), p.Long("entity_id")));
        var page = await Pagination.PageAsync(query, p, context, context.RequestAborted);
        return TypedResults.Ok(page.Select(AuditLog.Json));
    }

    private static async Task<IResult> Get(string id, TokenwardDb db, CancellationToken ct)
    {
        var eventId = PersonalAccessTokens.PersonalAccessTokensEndpoints.ParseId(id, "id");
        var e = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.FirstOrDefaultAsync(db.AuditEvents, a => a.Id == eventId, ct)
            ?? throw ApiException.NotFound("Audit Event");
        return TypedResults.Ok(AuditLog.Json(e));
    }

    /// <summary>GitLab's filters, shared with <c>tokenward audit list</c>.</summary>
    public static IQueryable<AuditEvent> Filter(IQueryable<AuditEvent> events, AuditFilter f)
    {
        if (f.CreatedAfter is { } after)
        {
            events = events.Where(e => e.CreatedAt >= after);
        }

        if (f.CreatedBefore is { } before)
        {
            events = events.Where(e => e.CreatedAt <= before);
        }

        if (f.EntityType is { } type)
        {
            events = events.Where(e => e.EntityType == type);
        }

        if (f.EntityId is { } id)
        {
            events = events.Where(e => e.EntityId == id);
        }

        return events.OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id);
    }
}

public sealed record AuditFilter(DateTime? CreatedAfter, DateTime? CreatedBefore, string? EntityType, long? EntityId);
