using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Tokenward.Core.Authorization;
using Tokenward.Hosting;

namespace Tokenward.Authentication;

/// <summary>Decides <see cref="TokenScopeRequirement"/> and <see cref="AdminRequirement"/> from the caller's claims, whichever scheme made them.</summary>
public sealed class ApiAccessAuthorizationHandler(TokenwardSettings settings) : IAuthorizationHandler
{
    public Task HandleAsync(AuthorizationHandlerContext context)
    {
        var refused = context.Resource is HttpContext http && http.Features.Get<CurrentRequest>()?.Refusal is not null;
        var authenticated = context.User.Identity?.IsAuthenticated == true;
        foreach (var requirement in context.Requirements)
        {
            var met = requirement switch
            {
                TokenScopeRequirement scope => !refused && (authenticated ? HasAnyScope(context.User, scope.AcceptedScopes) : scope.Anonymous),
                AdminRequirement => authenticated && AdminMode.ActsAsAdmin(
                    context.User.HasClaim(TokenAuthenticationDefaults.AdminClaim, "true"), Scopes(context.User), settings.AdminMode),
                _ => (bool?)null,
            };
            if (met == true)
            {
                context.Succeed(requirement);
            }
        }

        return Task.CompletedTask;
    }

    private static bool HasAnyScope(ClaimsPrincipal user, IReadOnlyList<string> accepted)
    {
        foreach (var scope in accepted)
        {
            if (user.HasClaim(TokenAuthenticationDefaults.ScopeClaim, scope))
            {
                return true;
            }
        }

        return false;
    }

    private static List<string> Scopes(ClaimsPrincipal user) =>
        [.. user.FindAll(TokenAuthenticationDefaults.ScopeClaim).Select(c => c.Value)];
}
