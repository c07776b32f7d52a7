namespace Tokenward.Api;

/// <summary>
/// The headers a token service sends on every response: <c>X-Content-Type-Options: nosniff</c>,
/// and <c>Cache-Control: no-store</c> on every answer to a change (POST, PUT, DELETE), which is
/// where a token's plaintext is ever shown (create and rotate), so no cache along the way keeps it.
/// </summary>
public sealed class SecurityHeaders(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(static state =>
        {
            var http = (HttpContext)state;
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
            {
                headers.CacheControl = "no-store";
            }

            return Task.CompletedTask;
        }, context);
        return next(context);
    }
}
