using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Tokenward.Audit;
using Tokenward.Storage;

namespace Tokenward.Web.Pages.Admin;

/// <summary>GitLab's <c>/admin/audit_logs</c>: the audit events, newest first, with the API's filters and a few more.</summary>
public sealed class AuditLogsModel(TokenwardDb db) : PageModel
{
    public const int PageSize = 50;

    public List<AuditEvent> Events { get; private set; } = [];

    public int PageNumber { get; private set; } = 1;

    public bool HasNext { get; private set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        DateTime? after = null, before = null;
        if (Q("created_after") is { } a)
        {
            after = Day(a, "created_after");
        }

        if (Q("created_before") is { } b && Day(b, "created_before") is { } end)
        {
            // The whole day: an admin asking "up to the 3rd" means the 3rd too.
            before = end.Date.Add(TimeSpan.FromDays(1) - TimeSpan.FromTicks(1));
        }

        var type = Q("entity_type");
        if (type is not null && !AuditEventsEndpoints.EntityTypes.Contains(type))
        {
            Error = $"entity_type must be one of {string.Join(", ", AuditEventsEndpoints.EntityTypes)}.";
        }

        long? entityId = null;
        if (Q("entity_id") is { } idText)
        {
            entityId = long.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
            Error ??= entityId is null ? "entity_id must be a number." : null;
        }

        if (Error is not null)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var events = AuditEventsEndpoints.Filter(db.AuditEvents, new AuditFilter(after, before, type, entityId));
        if (Q("event") is { } name)
        {
            var part = name.ToLowerInvariant();
            events = events.Where(e => e.EventName.ToLower().Contains(part));
        }

        if (Q("author") is { } author)
        {
            var lower = author.ToLowerInvariant();
            events = events.Where(e => e.AuthorName.ToLower() == lower);
        }

        PageNumber = WebQuery.PageNumber(Request);
        var rows = await events.Skip((PageNumber - 1) * PageSize).Take(PageSize + 1).ToListAsync(ct);
        HasNext = rows.Count > PageSize;
        Events = rows.Take(PageSize).ToList();
        return Page();
    }

    public string? Q(string key) => WebQuery.Text(Request, key);

    public string PageUrl(int page) => WebQuery.Link(Request, ("page", page.ToString(CultureInfo.InvariantCulture)));

    private DateTime? Day(string text, string name)
    {
        if (WebQuery.Date(text) is { } d)
        {
            return d.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        }

        Error ??= $"{name} must be a date (YYYY-MM-DD).";
        return null;
    }
}
