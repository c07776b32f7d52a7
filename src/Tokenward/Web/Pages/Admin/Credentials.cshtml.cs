using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Tokenward.Storage;
using Tokenward.Toolkit;

namespace Tokenward.Web.Pages.Admin;

/// <summary>
/// The token inventory (GitLab's <c>/admin/credentials</c>): every filter of the toolkit's
/// reports, sortable and paginated, and the filtered set as CSV or JSON in the toolkit's columns.
/// </summary>
public sealed class CredentialsModel(TokenInventory inventory, TokenRows rows, TimeProvider clock) : PageModel
{
    public const int PageSize = 50;

    /// <summary>Beyond this a total is not counted (GitLab's pagination stops counting there too).</summary>
    public const int CountLimit = 10_000;

    public static readonly string[] States = ["active", "expired", "all", "revoked"];

    public static readonly string[] Sorts = ["expires_at", "created_at", "last_used_at", "name", "username", "id"];

    public DateOnly Today { get; private set; }

    public List<ReportRow> Rows { get; private set; } = [];

    /// <summary>How many match, up to <see cref="CountLimit"/> + 1.</summary>
    public int Total { get; private set; }

    public int PageNumber { get; private set; } = 1;

    public string Sort { get; private set; } = "expires_at";

    public bool Descending { get; private set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (await QueryAsync(ct) is not ({ } query, { } filter))
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        PageNumber = WebQuery.PageNumber(Request);
        // A page of tokens, then their rows (see TokenRows.TokensOf). Sorts without an index (name,
        // owner, times) sort every match either way: the rows' join does that fastest.
        var tokens = rows.TokensOf(filter, query);
        Total = await tokens.Take(CountLimit + 1).CountAsync(ct);
        if (Sort is not ("expires_at" or "id"))
        {
            Rows = await Ordered(query).Skip((PageNumber - 1) * PageSize).Take(PageSize).ToListAsync(ct);
            return Page();
        }

        var ids = await OrderedTokens(tokens).Skip((PageNumber - 1) * PageSize).Take(PageSize).Select(t => t.Id).ToListAsync(ct);
        Rows = await TokenRows.InOrderAsync(query, ids, ct);
        return Page();
    }

    /// <summary>The whole filtered set, streamed in the toolkit's CSV or JSON.</summary>
    public async Task<IActionResult> OnGetExportAsync(string? format, CancellationToken ct)
    {
        if (format is not (ReportFormat.Csv or ReportFormat.Json))
        {
            return BadRequest("format must be csv or json");
        }

        if (await QueryAsync(ct) is not ({ } query, _))
        {
            return BadRequest(Error ?? "bad filter");
        }

        Response.ContentType = format == ReportFormat.Csv ? "text/csv; charset=utf-8" : "application/json";
        Response.Headers.ContentDisposition = $"attachment; filename=\"tokens-{Today:yyyy-MM-dd}.{format}\"";
        await ReportWriter.WriteAsync(Ordered(query).AsAsyncEnumerable(), format, Response.Body, _ => string.Empty, ct);
        return new EmptyResult();
    }

    /// <summary>This page's link with one parameter changed, back on the first page unless it is the page.</summary>
    public string With(string key, string? value) =>
        key == "page" ? WebQuery.Link(Request, (key, value)) : WebQuery.Link(Request, (key, value), ("page", null));

    /// <summary>A column header's link: sorts by it, and a second click reverses.</summary>
    public string SortUrl(string column) =>
        WebQuery.Link(Request, ("sort", column), ("dir", Sort == column && !Descending ? "desc" : null), ("page", null));

    public string? Q(string key) => WebQuery.Text(Request, key);

    /// <returns>The rows the filters select, in no order, and the filter; nulls when a filter is bad (<see cref="Error"/> says which).</returns>
    private async Task<(IQueryable<ReportRow>? Rows, TokenFilter? Filter)> QueryAsync(CancellationToken ct)
    {
        Today = TokenStates.Today(clock);
        var q = Request.Query;
        Sort = Sorts.Contains(q["sort"].ToString()) ? q["sort"].ToString() : "expires_at";
        Descending = q["dir"] == "desc";
        TokenFilter filter;
        try
        {
            var kinds = q["kind"].Where(k => !string.IsNullOrEmpty(k)).Select(k => k!).ToList();
            filter = await inventory.ResolveAsync(new FilterInput(kinds, Q("user"), Q("group"), Q("project"), Q("scope"), q["include_blocked"] == "1"), ct);
        }
        catch (ToolkitException e)
        {
            Error = e.Message;
            return default;
        }

        filter = (Q("state") ?? "active") switch
        {
            "active" => filter with { Active = true },
            "expired" => filter with { Active = false, Revoked = false },
            "revoked" => filter with { Revoked = true },
            _ => filter,
        };
        if (Q("search") is { } search)
        {
            filter = filter with { Search = search };
        }

        if (q["no_expiry"] == "1")
        {
            filter = filter with { NoExpiry = true };
        }

        if (Q("expires_on") is { } on)
        {
            if (Date(on, "expires_on") is not { } day)
            {
                return default;
            }

            filter = filter with { ExpiresFrom = day, ExpiresTo = day };
        }
        else if (Q("within") is { } within)
        {
            if (!Period.TryParse(within, out var period) || period.TryAfter(Today) is not { } end)
            {
                Error = "within must be a period like 7d, 2w, 1m, 6m or 1y.";
                return default;
            }

            filter = filter with { ExpiresFrom = Today, ExpiresTo = end };
        }
        else
        {
            if (Q("expires_from") is { } from)
            {
                if (Date(from, "expires_from") is not { } day)
                {
                    return default;
                }

                filter = filter with { ExpiresFrom = day };
            }

            if (Q("expires_to") is { } to)
            {
                if (Date(to, "expires_to") is not { } day)
                {
                    return default;
                }

                filter = filter with { ExpiresTo = day };
            }
        }

        var query = rows.Select(filter);
        return (q["backfilled"] == "1" ? query.Where(r => r.ExpiryBackfilled) : query, filter);
    }

    /// <summary>The index-backed sorts, over the tokens table alone.</summary>
    private IQueryable<PersonalAccessToken> OrderedTokens(IQueryable<PersonalAccessToken> tokens) =>
        (Sort, Descending) switch
        {
            ("id", false) => tokens.OrderBy(t => t.Id),
            ("id", true) => tokens.OrderByDescending(t => t.Id),
            (_, true) => tokens.OrderByDescending(t => t.ExpiresAt).ThenByDescending(t => t.Id),
            _ => tokens.OrderBy(t => t.ExpiresAt).ThenBy(t => t.Id),
        };

    private IQueryable<ReportRow> Ordered(IQueryable<ReportRow> query) =>
        (Sort, Descending) switch
        {
            ("created_at", false) => query.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id),
            ("created_at", true) => query.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id),
            ("last_used_at", false) => query.OrderBy(r => r.LastUsedAt).ThenBy(r => r.Id),
            ("last_used_at", true) => query.OrderByDescending(r => r.LastUsedAt).ThenByDescending(r => r.Id),
            ("name", false) => query.OrderBy(r => r.Name).ThenBy(r => r.Id),
            ("name", true) => query.OrderByDescending(r => r.Name).ThenByDescending(r => r.Id),
            ("username", false) => query.OrderBy(r => r.Username).ThenBy(r => r.Id),
            ("username", true) => query.OrderByDescending(r => r.Username).ThenByDescending(r => r.Id),
            ("id", false) => query.OrderBy(r => r.Id),
            ("id", true) => query.OrderByDescending(r => r.Id),
            (_, true) => query.OrderByDescending(r => r.ExpiresAt).ThenByDescending(r => r.Id).ThenBy(r => r.ResourceType).ThenBy(r => r.ResourceId),
            _ => query.OrderBy(r => r.ExpiresAt).ThenBy(r => r.Id).ThenBy(r => r.ResourceType).ThenBy(r => r.ResourceId),
        };

    private DateOnly? Date(string text, string name) =>
        WebQuery.Date(text) ?? Fail<DateOnly?>($"{name} must be a date (YYYY-MM-DD), not '{text}'.");

    private T? Fail<T>(string error)
    {
        Error = error;
        return default;
    }
}
