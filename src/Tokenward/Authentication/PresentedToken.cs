namespace Tokenward.Authentication;

/// <summary>A token value taken from a request, and how it was sent (GitLab's <c>auth_fail_auth_header_type</c>: <c>private_token_header</c>, <c>bearer</c> or <c>private_token_param</c>).</summary>
public sealed record PresentedToken(string Value, string HeaderType)
{
    /// <summary>Looks in GitLab's order: <c>PRIVATE-TOKEN</c>, <c>Authorization: Bearer</c>, <c>?private_token=</c>.</summary>
    public static PresentedToken? From(HttpRequest request) => From(request, null);

    /// <summary>
    /// As GitLab's API, and for the token service's endpoints also: HTTP Basic's password (with
    /// <see cref="TokenService.TokenServiceEndpoint.AllowBasic"/>), and <c>private_token</c> in the
    /// URI a proxy forwards (with <see cref="TokenService.TokenServiceEndpoint.ForwardedRequest"/>).
    /// </summary>
    public static PresentedToken? From(HttpRequest request, TokenService.TokenServiceEndpoint? service)
    {
        if (request.Headers.TryGetValue("PRIVATE-TOKEN", out var header) && header.Count > 0 && !string.IsNullOrEmpty(header[0]))
        {
            return new(header[0]!.Trim(), "private_token_header");
        }

        // Other Authorization schemes (Basic is for Git over HTTP) carry no API token.
        if (request.Headers.Authorization is { Count: > 0 } auth && auth[0] is { } a)
        {
            if (a.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && a.Length > "Bearer ".Length)
            {
                return new(a["Bearer ".Length..].Trim(), "bearer");
            }

            if (service is { AllowBasic: true } && BasicPassword(a) is { Length: > 0 } password)
            {
                return new(password, "basic");
            }
        }

        if (request.Query.TryGetValue("private_token", out var q) && q.Count > 0 && !string.IsNullOrEmpty(q[0]))
        {
            return new(q[0]!, "private_token_param");
        }

        if (service is { ForwardedRequest: true } && ForwardedQueryToken(request) is { Length: > 0 } forwarded)
        {
            return new(forwarded, "private_token_param");
        }

        return null;
    }

    private static string? BasicPassword(string authorization)
    {
        if (!authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : decoded[(colon + 1)..];
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary><c>private_token</c> of the original request's URI, as nginx (<c>X-Original-URI</c>, by convention) and Traefik (<c>X-Forwarded-Uri</c>) pass it.</summary>
    private static string? ForwardedQueryToken(HttpRequest request)
    {
        foreach (var name in (ReadOnlySpan<string>)["X-Original-URI", "X-Forwarded-Uri"])
        {
            if (request.Headers.TryGetValue(name, out var uri) && uri.Count > 0 && uri[0] is { } value && value.IndexOf('?', StringComparison.Ordinal) is var at and >= 0)
            {
                var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(value[at..]);
                if (query.TryGetValue("private_token", out var token) && token.Count > 0 && !string.IsNullOrEmpty(token[0]))
                {
                    return token[0];
                }
            }
        }

        return null;
    }
}
