using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Http;

public class AuthCacheTests
{
    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Revoking_or_blocking_through_the_api_takes_effect_at_once(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var userId = await server.CreateUserAsync("cached");
        var (id, token) = await server.CreateTokenAsync(userId, ["api"]);
        var (_, other) = await server.CreateTokenAsync(userId, ["api"]);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", token), 200);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", other), 200);

        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/personal_access_tokens/{id}"), 204);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", token), 401);

        await server.PostJsonAsync($"/api/v4/users/{userId}/block", new { });
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", other), 403);
    }

    [Fact]
    public async Task A_change_made_outside_this_server_shows_within_the_cache_interval()
    {
        await using var server = await TestServer.StartAsync();
        var userId = await server.CreateUserAsync("elsewhere");
        var (id, token) = await server.CreateTokenAsync(userId, ["api"]);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", token), 200);

        // As another server or the CLI would: straight in the database.
        await using (var scope = server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<TokenwardDb>().PersonalAccessTokens
                .Where(t => t.Id == id).ExecuteUpdateAsync(s => s.SetProperty(t => t.Revoked, true));
        }

        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", token), 200);
        server.Clock.Advance(TimeSpan.FromSeconds(server.Settings.AuthCacheSeconds));
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", token), 401);
    }

    [Fact]
    public async Task Expiry_is_judged_on_every_request_even_from_the_cache()
    {
        await using var server = await TestServer.StartAsync(configure: s => s with { AuthCacheSeconds = 300 });
        var userId = await server.CreateUserAsync("midnight");
        var (_, token) = await server.CreateTokenAsync(userId, ["api"], expiresAt: "2026-06-02");
        server.Clock.SetUtcNow(new DateTimeOffset(2026, 6, 1, 23, 59, 0, TimeSpan.Zero));
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", token), 200);
        server.Clock.Advance(TimeSpan.FromMinutes(2));
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", token), 401);
    }

    [Fact]
    public void A_lookup_that_read_before_a_revocation_does_not_cache_the_old_row()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TestServer.Start);
        var settings = new Tokenward.Hosting.TokenwardSettings { DataDir = "/tmp", Database = DatabaseTarget.SqliteIn("/tmp"), LogDir = "/tmp" };
        var bus = new Tokenward.Cluster.NodeBus(settings, new Tokenward.Cluster.RedisLink(settings, NullLogger<Tokenward.Cluster.RedisLink>.Instance), NullLogger<Tokenward.Cluster.NodeBus>.Instance);
        var cache = new Tokenward.Authentication.AuthCache(clock, settings, bus);
        var token = new PersonalAccessToken { Id = 7, UserId = 3, Name = "t", TokenDigest = "d", Scopes = "[]" };

        // The lookup takes the generation, reads the row; the revocation commits and forgets; then the lookup adds.
        var generation = cache.Generation;
        cache.ForgetToken(7);
        cache.Add("d", token, generation);
        Assert.Null(cache.Get("d"));

        // A lookup that started after the forget caches as usual.
        cache.Add("d", token, cache.Generation);
        Assert.Same(token, cache.Get("d"));
    }
}
