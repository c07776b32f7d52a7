using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Http;

/// <summary>Tokenward's admin API for bulk expiry changes: admins only, a dry run unless asked otherwise, the CLI's rules and answers.</summary>
public class TokenChangesApiTests
{
    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Extend_is_for_admins_shows_by_default_and_changes_when_asked(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (_, aliceToken) = await server.CreateTokenAsync(alice, ["api"], "2026-08-01");
        var (other, _) = await server.CreateTokenAsync(alice, ["api"], "2026-08-01", "other");
        const string path = "/api/v4/admin/tokens/extend?expiring_on=2026-08-01&expires_at=2026-10-01";

        await Expect.StatusAsync(await server.Client.SendAsync(TestServer.Request(HttpMethod.Post, path, aliceToken)), 403);
        await Expect.StatusAsync(await server.Client.SendAsync(TestServer.Request(HttpMethod.Post, path, token: null)), 401);

        var shown = await TestServer.Json(await server.Client.SendAsync(TestServer.Request(HttpMethod.Post, path + "&show=1")));
        Assert.True((bool)shown["dry_run"]!);
        Assert.Equal(2, (int)shown["total"]!);
        Assert.Single(shown["tokens"]!.AsArray());
        Assert.Equal("2026-08-01", (string?)(await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens/{other}")))["expires_at"]);

        var changed = await TestServer.Json(await server.Client.SendAsync(TestServer.Request(HttpMethod.Post, path + "&dry_run=false&user=alice")));
        Assert.Equal((false, 2), ((bool)changed["dry_run"]!, (int)changed["changed"]!));
        Assert.Null(changed["tokens"]);
        Assert.Equal("2026-10-01", (string?)(await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens/{other}")))["expires_at"]);
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var events = await scope.ServiceProvider.GetRequiredService<TokenwardDb>().AuditEvents.CountAsync(e => e.EventName == "personal_access_token_expiry_changed");
            Assert.Equal(2, events);
        }
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Bad_requests_are_400s_or_404s_with_gitlabs_bodies(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        async Task<HttpResponseMessage> PostAsync(string query) => await server.Client.SendAsync(TestServer.Request(HttpMethod.Post, "/api/v4/admin/tokens/" + query));
        await Expect.BodyAsync(await PostAsync("extend?expires_at=2026-10-01"), 400, """{"error":"expiring_on is missing"}""");
        await Expect.BodyAsync(await PostAsync("extend?expiring_on=2026-08-01"), 400, """{"error":"expires_at is missing"}""");
        await Expect.BodyAsync(await PostAsync("extend?expiring_on=2026-08-01&expires_at=2026-10-01&show=100001"), 400, """{"error":"show does not have a valid value"}""");
        await Expect.BodyAsync(await PostAsync("extend?expiring_on=2026-08-01&expires_at=2099-01-01"), 400,
            """{"message":"400 Bad request - 2099-01-01 is beyond the maximum token lifetime of 365 days (at most 2027-06-01); choose an earlier date or add --ignore-policy"}""");
        await Expect.BodyAsync(await PostAsync("extend?expiring_on=2026-08-01&expires_at=2026-10-01&user=nobody"), 404, """{"message":"404 User Not Found"}""");
        await Expect.BodyAsync(await PostAsync("remove_expiry?expiring_on=2026-08-01"), 400,
            """{"message":"400 Bad request - the token policy requires an expiry date (require_personal_access_token_expiry); turn it off first to remove expiry dates"}""");
    }
}
