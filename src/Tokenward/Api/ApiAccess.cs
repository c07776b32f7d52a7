using Microsoft.AspNetCore.Authorization;
using Tokenward.Authentication;

namespace Tokenward.Api;

/// <summary>
/// Endpoint metadata: which token scopes are enough for it, whether it serves anonymous callers,
/// whether it is for administrators only; <see cref="Policy"/> is the same as an authorization
/// policy on the token scheme, which the authorization middleware applies.
/// </summary>
public sealed record ApiAccess(IReadOnlyList<string> AcceptedScopes, bool Anonymous = false, bool AdminOnly = false)
{
    public static readonly IReadOnlyList<string> Read = [Core.Tokens.Scopes.Api, Core.Tokens.Scopes.ReadApi];
    public static readonly IReadOnlyList<string> Write = [Core.Tokens.Scopes.Api];
    public static readonly IReadOnlyList<string> ReadUser = [Core.Tokens.Scopes.Api, Core.Tokens.Scopes.ReadApi, Core.Tokens.Scopes.ReadUser];
    public static readonly IReadOnlyList<string> AnyScope = Core.Tokens.Scopes.All;

    /// <summary>GitLab's default: any GET is allowed with <c>read_api</c>, everything else needs <c>api</c>.</summary>
    public static ApiAccess DefaultFor(string method) =>
        new(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) ? Read : Write);

    public AuthorizationPolicy Policy() => new(
        AdminOnly ? [new TokenScopeRequirement(AcceptedScopes, Anonymous), AdminRequirement.Instance] : [new TokenScopeRequirement(AcceptedScopes, Anonymous)],
        [TokenAuthenticationDefaults.Scheme]);
}

public static class ApiAccessExtensions
{
    public static RouteHandlerBuilder Accepts(this RouteHandlerBuilder builder, IReadOnlyList<string> scopes, bool anonymous = false, bool adminOnly = false) =>
        builder.WithAccess(new ApiAccess(scopes, anonymous, adminOnly));

    public static RouteHandlerBuilder AdminOnly(this RouteHandlerBuilder builder, IReadOnlyList<string> scopes) =>
        builder.WithAccess(new ApiAccess(scopes, AdminOnly: true));

    /// <summary>The endpoint's access, as metadata and as its authorization policy.</summary>
    public static TBuilder WithAccess<TBuilder>(this TBuilder builder, ApiAccess access)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(access).RequireAuthorization(access.Policy());

    /// <summary>
    /// Every endpoint of the group without its own access gets GitLab's default for its method
    /// (after the endpoints' own conventions, so theirs win).
    /// </summary>
    public static RouteGroupBuilder WithDefaultAccess(this RouteGroupBuilder group)
    {
        ((IEndpointConventionBuilder)group).Finally(endpoint =>
        {
            if (endpoint.Metadata.OfType<ApiAccess>().Any())
            {
                return;
            }

            var method = endpoint.Metadata.OfType<HttpMethodMetadata>().FirstOrDefault()?.HttpMethods is [var first, ..] ? first : HttpMethods.Get;
            var access = ApiAccess.DefaultFor(method);
            endpoint.Metadata.Add(access);
            endpoint.Metadata.Add(access.Policy());
        });
        return group;
    }
}
