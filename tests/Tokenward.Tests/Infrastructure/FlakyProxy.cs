using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tokenward.Tests.Infrastructure;

/// <summary>
/// A real HTTP proxy on 127.0.0.1 in front of a server, which answers some requests itself with
/// an error (429 with <c>Retry-After</c>, 503, ...) the way a loaded GitLab or its load balancer does.
/// </summary>
public sealed class FlakyProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private int _requests;

    private FlakyProxy(WebApplication app, Uri upstream)
    {
        _app = app;
        _upstream = new HttpClient { BaseAddress = upstream };
    }

    /// <summary>Given the request's number (1-based) and path, the status to fail it with, or null to forward it.</summary>
    public Func<int, string, int?> Fault { get; set; } = (_, _) => null;

    /// <summary>The body of a faulted 404: by default what GitLab answers for a route it does not have.</summary>
    public string NotFoundBody { get; set; } = "{\"error\":\"404 Not Found\"}";

    public ConcurrentQueue<(string Path, int Status)> Log { get; } = new();

    public Uri Url => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public static async Task<FlakyProxy> StartAsync(Uri upstream)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var proxy = new FlakyProxy(app, upstream);
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        return proxy;
    }

    private async Task HandleAsync(HttpContext c)
    {
        var n = Interlocked.Increment(ref _requests);
        var path = c.Request.Path + c.Request.QueryString;
        if (Fault(n, path) is { } status)
        {
            Log.Enqueue((path, status));
            c.Response.StatusCode = status;
            if (status == 429)
            {
                c.Response.Headers.RetryAfter = "1";
                await c.Response.WriteAsync("Retry later\n");
            }
            else if (status == 404)
            {
                c.Response.ContentType = "application/json";
                await c.Response.WriteAsync(NotFoundBody);
            }

            return;
        }

        using var request = new HttpRequestMessage(new HttpMethod(c.Request.Method), path.TrimStart('/'));
        foreach (var name in new[] { "PRIVATE-TOKEN", "Authorization" })
        {
            if (c.Request.Headers.TryGetValue(name, out var value))
            {
                request.Headers.TryAddWithoutValidation(name, value.ToString());
            }
        }

        using var response = await _upstream.SendAsync(request);
        Log.Enqueue((path, (int)response.StatusCode));
        c.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Where(h => h.Key.StartsWith("x-", StringComparison.OrdinalIgnoreCase) || h.Key.Equals("link", StringComparison.OrdinalIgnoreCase)))
        {
            c.Response.Headers[header.Key] = header.Value.ToArray();
        }

        c.Response.ContentType = response.Content.Headers.ContentType?.ToString();
        await response.Content.CopyToAsync(c.Response.Body);
    }

    public async ValueTask DisposeAsync()
    {
        _upstream.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
