using System.Globalization;

namespace Tokenward.Web;

/// <summary>What the pages read from a query string or form, and the links they make from their own.</summary>
public static class WebQuery
{
    /// <summary>A parameter as typed, trimmed; null when absent or empty.</summary>
    public static string? Text(HttpRequest request, string key) =>
        request.Query[key].ToString() is { Length: > 0 } value && value.Trim() is { Length: > 0 } trimmed ? trimmed : null;

    /// <summary>The page a paged list shows: <c>page</c>, from 1, a first page for anything else.</summary>
    public static int PageNumber(HttpRequest request) =>
        int.TryParse(request.Query["page"], NumberStyles.None, CultureInfo.InvariantCulture, out var page) && page is >= 1 and <= 100_000 ? page : 1;

    /// <summary>A date as the date inputs send it (YYYY-MM-DD); null when it is not one.</summary>
    public static DateOnly? Date(string? text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    /// <summary>
    /// This page's address with some parameters set (a null value removes one) and its form
    /// handler dropped: the links of filters, sorts and pages.
    /// </summary>
    public static string Link(HttpRequest request, params (string Key, string? Value)[] set)
    {
        var keys = set.Select(s => s.Key).Append("handler").ToHashSet(StringComparer.Ordinal);
        var query = request.Query.Where(p => !keys.Contains(p.Key))
            .SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string?>(p.Key, v)))
            .Concat(set.Where(s => s.Value is not null).Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        return request.Path + QueryString.Create(query);
    }

    /// <summary>A token rule's refusal as the form shows it: "Expires at must be ...".</summary>
    public static string Sentence(TokenValidationException e) =>
        $"{char.ToUpperInvariant(e.Field[0])}{e.Field[1..].Replace('_', ' ')} {e.Problem}.";
}
