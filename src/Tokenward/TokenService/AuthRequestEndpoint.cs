using System.Globalization;
using Tokenward.Api;
using Tokenward.Authentication;

namespace Tokenward.TokenService;

/// <summary>
/// <c>/-/auth</c>: the check nginx's <c>auth_request</c>, Traefik's ForwardAuth and Envoy's HTTP
/// ext_authz make before they pass a request on. The token scheme reads the forwarded request's
/// token as GitLab's API would and applies GitLab's rules, with the scope of <c>?scope=</c> when
/// given; a refusal is GitLab's 401 or 403 with its reason in <c>api_json.log</c>, counted
/// towards the ban of the original client (from <c>X-Forwarded-For</c> of a trusted proxy).
/// A success answers 200 with who it is in headers the proxy hands upstream; it is not logged
/// (the proxy logs the request it passes), so the check stays as cheap as <c>/-/health</c>.
/// </summary>
public static class AuthRequestEndpoint
{
    public const string Path = "/-/auth";

    /// <summary>
    /// Any method: nginx's subrequest and Envoy's check carry the original request's. No
    /// authentication scheme or authorization policy around it: the check is the whole of this
    /// endpoint, done as the scheme does it (<see cref="TokenCheck"/>), and that machinery was a
    /// fifth of its cost.
    /// </summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        // Envoy's ext_authz appends the original path to its path_prefix: /-/auth/api/v4/...
        foreach (var pattern in new[] { Path, Path + "/{**original}" })
        {
            app.Map(pattern, CheckAsync).WithMetadata(Marker).ExcludeFromDescription();
        }
    }

    private static async Task<IResult> CheckAsync(HttpContext context, TokenCheck check, CancellationToken ct)
    {
        var presented = PresentedToken.From(context.Request, Marker) ?? throw ApiException.Unauthorized();
        // Without ?scope=, GitLab's default for a read: api or read_api (a token made for
        // something else, such as report_leaks or a registry, does not pass).
        var accepted = ApiAccess.Read;
        if (context.Request.Query.TryGetValue("scope", out var required) && required.Count > 0)
        {
            accepted = required[0] is { } scope && Scopes.IsKnown(scope)
                ? Scopes.Satisfying(scope)
                : throw ApiException.InvalidParameter("scope does not have a valid value");
        }

        var result = await check.CheckAsync(context, presented, accepted, null, () => context.RequestServices.GetRequiredService<Storage.TokenwardDb>(), ct);
        if (result.Refusal is { } refusal)
        {
            throw refusal;
        }

        var token = result.Token!;
        var user = token.User!;
        var log = ApiLog.ApiLogFacts.Of(context);
        (log.UserId, log.Username, log.TokenId) = (user.Id, user.Username, token.Id);
        var headers = context.Response.Headers;
        headers["X-Tokenward-User"] = user.Username;
        headers["X-Tokenward-User-Id"] = user.Id.ToString(CultureInfo.InvariantCulture);
        headers["X-Tokenward-Token-Id"] = token.Id.ToString(CultureInfo.InvariantCulture);
        headers["X-Tokenward-Scopes"] = string.Join(' ', result.Scopes);
        headers.CacheControl = "no-store";
        return Results.Ok();
    }

    /// <summary>The token also from the original request's URI; its successes are the proxy's to log.</summary>
    private static readonly TokenServiceEndpoint Marker = new(ForwardedRequest: true, AllowBasic: false, LogSuccesses: false);
}
