namespace Tokenward.Api;

/// <summary>
/// Endpoint metadata: which token scopes are enough for it, whether it serves anonymous callers,
/// whether it is for administrators only. Read by the authentication middleware.
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
}

public static class ApiAccessExtensions
{
    public static RouteHandlerBuilder Accepts(this RouteHandlerBuilder builder, IReadOnlyList<string> scopes, bool anonymous = false, bool adminOnly = false) =>
        builder.WithMetadata(new ApiAccess(scopes, anonymous, adminOnly));

    public static RouteHandlerBuilder AdminOnly(this RouteHandlerBuilder builder, IReadOnlyList<string> scopes) =>
        builder.WithMetadata(new ApiAccess(scopes, AdminOnly: true));
}
