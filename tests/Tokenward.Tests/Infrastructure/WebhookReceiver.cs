using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tokenward.Tests.Infrastructure;

/// <summary>A real HTTP endpoint on 127.0.0.1 that records webhook deliveries; <see cref="FailNext"/> answers 500.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<(JsonNode Body, string? Event, string? Token, string? Key)> Deliveries { get; } = new();

    public int FailNext { get; set; }

    public Uri Url => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook");

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", async (HttpContext c) =>
        {
            if (receiver.FailNext > 0)
            {
                receiver.FailNext--;
                return Results.StatusCode(500);
            }

            var body = await JsonNode.ParseAsync(c.Request.Body);
            receiver.Deliveries.Enqueue((body!, c.Request.Headers["X-Gitlab-Event"], c.Request.Headers["X-Gitlab-Token"], c.Request.Headers["Idempotency-Key"]));
            return Results.Ok();
        });
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
