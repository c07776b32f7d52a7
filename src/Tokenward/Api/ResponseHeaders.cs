namespace Tokenward.Api;

/// <summary>
/// The headers every response gets, set in one callback just before it starts:
/// <list type="bullet">
/// <item><c>X-Content-Type-Options: nosniff</c>;</item>
/// <item><c>Cache-Control: no-store</c> on every answer to a change (POST, PUT, DELETE), which is
/// where a token's plaintext is ever shown (create and rotate), so no cache along the way keeps it;</item>
/// <item>JSON as <c>application/json</c> with no charset parameter, as GitLab answers: python-gitlab
/// before 3.14 (Debian 12's) parses a response only when its Content-Type is exactly that, and
/// ASP.NET Core's JSON writers add <c>; charset=utf-8</c> (JSON is UTF-8 by definition, RFC 8259).</item>
/// </list>
/// </summary>
public sealed class ResponseHeaders(RequestDelegate next)
{
    private const string Json = "application/json";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(static state =>
        {
            var http = (HttpContext)state;
            var response = http.Response;
            response.Headers.XContentTypeOptions = "nosniff";
            if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
            {
                response.Headers.CacheControl = "no-store";
            }

            if (response.ContentType is { } type && type.Length > Json.Length
                && type.StartsWith(Json, StringComparison.OrdinalIgnoreCase) && type[Json.Length] == ';')
            {
                response.ContentType = Json;
            }

            return Task.CompletedTask;
        }, context);
        return next(context);
    }
}
