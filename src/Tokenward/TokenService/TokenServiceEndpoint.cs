namespace Tokenward.TokenService;

/// <summary>
/// Marks an endpoint other software calls to check tokens (<c>/-/auth</c>, <c>/oauth/introspect</c>),
/// which the token scheme authenticates like an API endpoint, with these differences.
/// </summary>
/// <param name="ForwardedRequest">The token and the scope come from the request a proxy forwards: the
/// token also from <c>private_token</c> in <c>X-Original-URI</c> / <c>X-Forwarded-Uri</c>, the
/// required scope from <c>?scope=</c>; <c>Sudo</c> is not honoured.</param>
/// <param name="AllowBasic">HTTP Basic carries the caller's token as its password (RFC 7662's client authentication).</param>
/// <param name="LogSuccesses">Whether an answer that refused nothing gets an <c>api_json.log</c> line.</param>
public sealed record TokenServiceEndpoint(bool ForwardedRequest, bool AllowBasic, bool LogSuccesses)
{
    /// <summary>The API and the token service answer in JSON with GitLab's errors; every other path is the web UI's.</summary>
    public static bool AnswersAsApi(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments(AuthRequestEndpoint.Path) || path.StartsWithSegments(IntrospectionEndpoint.Path);
}
