using System.Net;

namespace Tokenward.Web;

/// <summary>
/// The web UI's last line: a failure the pages did not turn into a message becomes a short page
/// (503 while the database is away, 400 for a malformed request, else 500), never a stack trace.
/// </summary>
public sealed class WebErrors(RequestDelegate next, ILogger<WebErrors> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The browser went away; nobody reads an answer.
        }
        catch (BadHttpRequestException) when (!context.Response.HasStarted)
        {
            await WriteAsync(context, StatusCodes.Status400BadRequest, "The request could not be read.");
        }
        catch (Exception e) when (!context.Response.HasStarted && Storage.DatabaseUnavailable.Is(e))
        {
            context.Response.Headers.RetryAfter = "5";
            await WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The database is unavailable. Try again in a moment.");
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            logger.WebUnhandledError(e, context.Request.Method, context.Request.Path);
            await WriteAsync(context, StatusCodes.Status500InternalServerError, "Something went wrong on our side; it has been logged.");
        }
    }

    /// <summary>A page for an answer that has none (a 404 for a page one may not see, antiforgery's 400), as GitLab shows its own.</summary>
    public static Task StatusPageAsync(HttpContext context)
    {
        var status = context.Response.StatusCode;
        var message = status switch
        {
            StatusCodes.Status404NotFound => "The page could not be found or you don't have permission to view it.",
            StatusCodes.Status400BadRequest => "The request was refused. If you submitted a form, reload the page and try again.",
            StatusCodes.Status403Forbidden => "You don't have permission to do that.",
            StatusCodes.Status405MethodNotAllowed => "That method is not allowed here.",
            _ => "The request could not be completed.",
        };
        return WriteAsync(context, status, message);
    }

    private static Task WriteAsync(HttpContext context, int status, string message)
    {
        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(
            $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{status} · Tokenward</title>" +
            $"<link rel=\"stylesheet\" href=\"{WebUi.AssetsPath}/site.css\"></head><body><main class=\"narrow\"><h1>{status}</h1>" +
            $"<p>{WebUtility.HtmlEncode(message)}</p><p><a href=\"/\">Back to Tokenward</a></p></main></body></html>");
    }
}
