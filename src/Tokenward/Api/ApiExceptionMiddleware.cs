using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Tokenward.Api;

/// <summary>
/// Turns <see cref="ApiException"/> into GitLab's response, and anything unexpected into a bare
/// GitLab-style 500 (never a stack trace); the cause goes to the application log.
/// </summary>
public sealed class ApiExceptionMiddleware(RequestDelegate next, IOptions<JsonOptions> json, DatabaseOutageLog outage, ILogger<ApiExceptionMiddleware> logger)
{
    private readonly JsonSerializerOptions _json = json.Value.SerializerOptions;

    public async Task InvokeAsync(HttpContext context)
    {
        var started = outage.Epoch();
        try
        {
            await next(context);
            if (Storage.DbTiming.Answered)
            {
                outage.Answered(started);
            }

            if (context.GetEndpoint() is null && context.Response.StatusCode == StatusCodes.Status404NotFound && !context.Response.HasStarted)
            {
                // No route matched: GitLab's JSON 404 rather than an empty body.
                await WriteAsync(context, ApiException.RouteNotFound());
            }
        }
        catch (ApiException e) when (!context.Response.HasStarted)
        {
            await WriteAsync(context, e);
        }
        catch (TokenValidationException e) when (!context.Response.HasStarted)
        {
            await WriteAsync(context, ApiException.Invalid(e.Field, e.Problem));
        }
        catch (PersonalAccessTokens.TokenAlreadyRevokedException e) when (!context.Response.HasStarted)
        {
            await WriteAsync(context, ApiException.BadRequest(e.Message));
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            await WriteAsync(context, ApiException.BadRequest(e.Message));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
            context.Response.StatusCode = 499;
        }
        catch (Exception e) when (!context.Response.HasStarted && Storage.DatabaseUnavailable.Is(e))
        {
            // A state, not a bug: the outage log speaks every so often, not per request.
            outage.Refused(e);
            await WriteAsync(context, ApiException.ServiceUnavailable());
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            logger.UnhandledError(e, context.Request.Method, context.Request.Path);
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsJsonAsync(new Dictionary<string, string> { ["message"] = "500 Internal Server Error" }, _json);
        }
    }

    public Task WriteAsync(HttpContext context, ApiException e)
    {
        // Clear() drops the headers too; the request id is what a user quotes when reporting an error.
        var requestId = context.Response.Headers["X-Request-Id"];
        context.Response.Clear();
        if (requestId.Count > 0)
        {
            context.Response.Headers["X-Request-Id"] = requestId;
        }

        context.Response.StatusCode = e.Status;
        foreach (var (name, value) in e.Headers)
        {
            context.Response.Headers[name] = value;
        }

        if (e.Body is string text)
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync(text, context.RequestAborted);
        }

        return context.Response.WriteAsJsonAsync(e.Body, _json);
    }
}
