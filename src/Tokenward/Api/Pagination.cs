using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

namespace Tokenward.Api;

/// <summary>GitLab's offset pagination: <c>page</c>, <c>per_page</c> (20, at most 100) and the <c>x-*</c> and <c>link</c> headers.</summary>
public static class Pagination
{
    public const int DefaultPerPage = 20;
    public const int MaxPerPage = 100;

    public static async Task<List<T>> PageAsync<T>(IQueryable<T> query, ApiParams p, HttpContext context, CancellationToken ct)
    {
        var page = Math.Max(1, p.Int("page") ?? 1);
        var perPage = Math.Clamp(p.Int("per_page") ?? DefaultPerPage, 1, MaxPerPage);
        var total = await query.LongCountAsync(ct);
        var offset = (long)(page - 1) * perPage;
        var items = offset >= total ? [] : await query.Skip((int)offset).Take(perPage).ToListAsync(ct);
        WriteHeaders(context, page, perPage, total);
        return items;
    }

    /// <summary>A page of a list already in memory (a report computed whole, such as the tokens at risk).</summary>
    public static List<T> Page<T>(IReadOnlyList<T> items, ApiParams p, HttpContext context)
    {
        var page = Math.Max(1, p.Int("page") ?? 1);
        var perPage = Math.Clamp(p.Int("per_page") ?? DefaultPerPage, 1, MaxPerPage);
        var offset = (long)(page - 1) * perPage;
        WriteHeaders(context, page, perPage, items.Count);
        return offset >= items.Count ? [] : [.. items.Skip((int)offset).Take(perPage)];
    }

    /// <summary>A page, each item turned into its JSON by a mapping that may itself query (full paths and the like).</summary>
    public static async Task<List<TOut>> PageMappedAsync<T, TOut>(IQueryable<T> query, ApiParams p, HttpContext context, Func<T, Task<TOut>> map, CancellationToken ct)
    {
        var mapped = new List<TOut>();
        foreach (var item in await PageAsync(query, p, context, ct))
        {
            mapped.Add(await map(item));
        }

        return mapped;
    }

    public static void WriteHeaders(HttpContext context, int page, int perPage, long total)
    {
        var totalPages = (int)Math.Max(1, (total + perPage - 1) / perPage);
        var headers = context.Response.Headers;
        headers["x-page"] = page.ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers["x-per-page"] = perPage.ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers["x-total"] = total.ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers["x-total-pages"] = totalPages.ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers["x-next-page"] = page < totalPages ? (page + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty;
        headers["x-prev-page"] = page > 1 ? (page - 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty;

        var links = new List<string>();
        if (page > 1)
        {
            links.Add($"<{Url(context, Math.Min(page - 1, totalPages), perPage)}>; rel=\"prev\"");
        }

        if (page < totalPages)
        {
            links.Add($"<{Url(context, page + 1, perPage)}>; rel=\"next\"");
        }

        links.Add($"<{Url(context, 1, perPage)}>; rel=\"first\"");
        links.Add($"<{Url(context, totalPages, perPage)}>; rel=\"last\"");
        headers["link"] = string.Join(", ", links);
    }

    private static string Url(HttpContext context, int page, int perPage)
    {
        var request = context.Request;
        var query = request.Query
            .Where(q => q.Key is not ("page" or "per_page" or "private_token"))
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)))
            .Append(new("page", page.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .Append(new("per_page", perPage.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return QueryHelpers.AddQueryString($"{Hosting.ExternalUrl.Of(request)}{request.Path}", query);
    }
}
