using Microsoft.Extensions.DependencyInjection;
using Tokenward.Hosting;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Http;

public class StartupGateTests
{
    [Fact]
    public async Task Between_listening_and_creating_root_every_request_is_a_503_to_retry()
    {
        await using var server = await TestServer.StartAsync();
        var gate = server.Services.GetRequiredService<StartupGate>();
        gate.Starting();
        foreach (var path in new[] { "/-/health", "/api/v4/user", "/api/v4/openapi.json" })
        {
            using var response = await server.GetAsync(path);
            await Expect.BodyAsync(response, 503, """{"message":"503 Service Unavailable - starting, retry later"}""");
            Assert.Equal("1", response.Headers.GetValues("Retry-After").Single());
        }

        gate.Open();
        await Expect.StatusAsync(await server.GetAsync("/-/health", token: null), 200);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user"), 200);
    }
}
