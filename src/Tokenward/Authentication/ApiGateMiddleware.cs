using Tokenward.Api;
using Tokenward.ApiLog;
using Tokenward.AuthBans;

namespace Tokenward.Authentication;

/// <summary>
/// What GitLab answers before it looks at a token: a banned address gets the ban's 403, and a
/// known path with another method its 405.
/// </summary>
public sealed class ApiGateMiddleware(RequestDelegate next)
{
    /// <summary>Tokenward's <c>meta.auth_fail_reason</c> for a request refused because its address is banned.</summary>
    public const string BannedReason = "ip_banned";

    public Task InvokeAsync(HttpContext context, FailedAuthBans bans)
    {
        if (ClientAddress.Of(context) is { } ip && bans.ActiveBan(ip) is not null)
        {
            ApiLogFacts.Of(context).AuthFailReason = BannedReason;
            throw ApiException.Banned();
        }

        // Routing's stand-in for a known path with another method.
        return context.GetEndpoint()?.DisplayName == "405 HTTP Method Not Supported"
            ? throw ApiException.MethodNotAllowed()
            : next(context);
    }
}
