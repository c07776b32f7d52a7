using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Tokenward.Api;

namespace Tokenward.Authentication;

/// <summary>
/// Turns a refused policy into GitLab's answer (raised as <see cref="ApiException"/>, which the
/// one error middleware writes): the refusal the token scheme decided, else 401 for no
/// credentials, else 403 with the scopes GitLab names or its plain Forbidden.
/// </summary>
public sealed class ApiAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    /// <summary>The web UI's pages answer as ASP.NET Core does: a challenge of their cookie scheme (to the sign-in page).</summary>
    private readonly AuthorizationMiddlewareResultHandler _pages = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            return next(context);
        }

        if (!TokenService.TokenServiceEndpoint.AnswersAsApi(context.Request.Path))
        {
            return _pages.HandleAsync(next, context, policy, authorizeResult);
        }

        if (context.Features.Get<CurrentRequest>()?.Refusal is { } refusal)
        {
            throw refusal;
        }

        if (authorizeResult.Challenged)
        {
            throw ApiException.Unauthorized();
        }

        throw authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<TokenScopeRequirement>().FirstOrDefault() is { } scope
            ? ApiException.InsufficientScope(scope.AcceptedScopes)
            : ApiException.Forbidden();
    }
}
