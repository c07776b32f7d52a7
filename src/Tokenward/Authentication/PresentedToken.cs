namespace Tokenward.Authentication;

/// <summary>A token value taken from a request, and how it was sent (GitLab's <c>auth_fail_auth_header_type</c>: <c>private_token_header</c>, <c>bearer</c> or <c>private_token_param</c>).</summary>
public sealed record PresentedToken(string Value, string HeaderType)
{
    /// <summary>Looks in GitLab's order: <c>PRIVATE-TOKEN</c>, <c>Authorization: Bearer</c>, <c>?private_token=</c>.</summary>
    public static PresentedToken? From(HttpRequest request)
    {
        if (request.Headers.TryGetValue("PRIVATE-TOKEN", out var header) && header.Count > 0 && !string.IsNullOrEmpty(header[0]))
        {
            return new(header[0]!.Trim(), "private_token_header");
        }

        // Other Authorization schemes (Basic is for Git over HTTP) carry no API token.
        if (request.Headers.Authorization is { Count: > 0 } auth && auth[0] is { } a
            && a.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && a.Length > "Bearer ".Length)
        {
            return new(a["Bearer ".Length..].Trim(), "bearer");
        }

        if (request.Query.TryGetValue("private_token", out var q) && q.Count > 0 && !string.IsNullOrEmpty(q[0]))
        {
            return new(q[0]!, "private_token_param");
        }

        return null;
    }
}
