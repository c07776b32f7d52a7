using System.Globalization;
using Tokenward.Api;
using Microsoft.AspNetCore.Authentication;
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

    public static void Map(IEndpointRouteBuilder app) =>
        // Any method: nginx's subrequest and Envoy's check carry the original request's.
        app.Map(Path, async (HttpContext context) =>
        {
            // The token scheme itself, without an authorization policy around it: the check is
            // the whole of this endpoint, and the policy machinery was a fifth of its cost.
            var result = await context.AuthenticateAsync(TokenAuthenticationDefaults.Scheme);
            var current = context.Features.Get<CurrentRequest>()!;
            if (!result.Succeeded)
            {
                throw current.Refusal ?? ApiException.Unauthorized();
            }

            var headers = context.Response.Headers;
            headers["X-Tokenward-User"] = current.User!.Username;
            headers["X-Tokenward-User-Id"] = current.User.Id.ToString(CultureInfo.InvariantCulture);
            headers["X-Tokenward-Token-Id"] = current.Token!.Id.ToString(CultureInfo.InvariantCulture);
            headers["X-Tokenward-Scopes"] = string.Join(' ', current.TokenScopes);
            headers.CacheControl = "no-store";
            return Results.Ok();
        })
        // Read by the token scheme (any scope, unless ?scope= asks for one); no policy.
        .WithMetadata(new ApiAccess(ApiAccess.AnyScope))
        .WithMetadata(new TokenServiceEndpoint(ForwardedRequest: true, AllowBasic: false, LogSuccesses: false))
        .ExcludeFromDescription();
}
