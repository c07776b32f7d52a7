namespace Tokenward.Api;

/// <summary>
/// Answers JSON as <c>application/json</c> with no charset parameter, as GitLab does: python-gitlab
/// before 3.14 (Debian 12's) parses a response only when its Content-Type is exactly that value,
/// and ASP.NET Core's JSON writers add <c>; charset=utf-8</c>. JSON is UTF-8 by definition (RFC 8259).
/// </summary>
public sealed class PlainJsonContentType(RequestDelegate next)
{
    private const string Json = "application/json";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(static state =>
        {
            var response = (HttpResponse)state;
            if (response.ContentType is { } type && type.Length > Json.Length
                && type.StartsWith(Json, StringComparison.OrdinalIgnoreCase) && type[Json.Length] == ';')
            {
                response.ContentType = Json;
            }

            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    }
}
