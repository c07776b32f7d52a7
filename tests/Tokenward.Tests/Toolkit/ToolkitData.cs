using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;
using static Tokenward.Tests.Http.GroupsAndProjectsApiTests;

namespace Tokenward.Tests.Toolkit;

/// <summary>
/// Hand-built tokens covering every selection rule of the seed's scripts, on a server whose clock
/// says 2026-06-01: <see cref="D"/> is the date most of them expire on.
/// </summary>
public sealed record ToolkitData(
    TestServer Server,
    long Alice,
    long Bob,
    long OnD,
    long RevokedOnD,
    long ImpersonationOnD,
    long DayAfter,
    long DayBefore,
    long NoExpiry,
    long ReadApiOnD,
    long BlockedOnD,
    long BlockedNoExpiry,
    long Team,
    long Sub,
    long Other,
    long Svc,
    long TeamToken,
    long SubToken,
    long SvcToken,
    long OtherToken)
{
    public static readonly DateOnly D = new(2026, 7, 1);

    public const string DText = "2026-07-01";

    /// <summary>Tokens expiring on D that the reports list by default.</summary>
    public long[] ListedOnD => [OnD, ImpersonationOnD, ReadApiOnD, TeamToken, SubToken, SvcToken, OtherToken];

    public static async Task<ToolkitData> CreateAsync(DatabaseEngine engine)
    {
        var server = await TestServer.StartAsync(engine, s => s with { RequireTokenExpiry = false });
        var alice = await server.CreateUserAsync("alice");
        var bob = await server.CreateUserAsync("bob");
        var onD = (await server.CreateTokenAsync(alice, ["api"], DText, "ci")).Id;
        var revoked = (await server.CreateTokenAsync(alice, ["api"], DText, "old")).Id;
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/personal_access_tokens/{revoked}"), 204);
        var imp = await server.PostJsonAsync($"/api/v4/users/{alice}/impersonation_tokens", new { name = "imp", scopes = new[] { "api" }, expires_at = DText });
        await Expect.StatusAsync(imp, 201);
        var impersonation = (await TestServer.Json(imp))["id"]!.GetValue<long>();
        var dayAfter = (await server.CreateTokenAsync(alice, ["api"], "2026-07-02", "after")).Id;
        var dayBefore = (await server.CreateTokenAsync(alice, ["api"], "2026-06-30", "before")).Id;
        var noExpiry = (await server.CreateTokenAsync(alice, ["read_user"], null, "forever")).Id;
        var readApi = (await server.CreateTokenAsync(alice, ["read_api"], DText, "reader")).Id;
        var blockedOnD = (await server.CreateTokenAsync(bob, ["api"], DText, "bob's")).Id;
        var blockedNoExpiry = (await server.CreateTokenAsync(bob, ["api"], null, "bob's forever")).Id;
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/users/{bob}/block", new { }), 201);

        var team = await CreateGroupAsync(server, "team");
        var sub = await CreateGroupAsync(server, "sub", team);
        var other = await CreateGroupAsync(server, "other");
        var svc = await CreateProjectAsync(server, "svc", sub);
        var teamToken = await ResourceTokenAsync(server, "groups", team, "team token");
        var subToken = await ResourceTokenAsync(server, "groups", sub, "sub token");
        var svcToken = await ResourceTokenAsync(server, "projects", svc, "svc token");
        var otherToken = await ResourceTokenAsync(server, "groups", other, "other token");

        // The backfill set the team's and the project's token expiry, not the others'.
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
            db.TokenExpiryBackfills.AddRange(
                new TokenExpiryBackfill { PersonalAccessTokenId = teamToken, ExpiresAt = D, CreatedAt = DateTime.UtcNow },
                new TokenExpiryBackfill { PersonalAccessTokenId = svcToken, ExpiresAt = D, CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
            await db.PersonalAccessTokens.Where(t => t.Id == onD).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, new DateTime(2026, 5, 1, 10, 0, 0, DateTimeKind.Utc)));
        }

        return new ToolkitData(server, alice, bob, onD, revoked, impersonation, dayAfter, dayBefore, noExpiry, readApi, blockedOnD, blockedNoExpiry,
            team, sub, other, svc, teamToken, subToken, svcToken, otherToken);
    }

    private static async Task<long> ResourceTokenAsync(TestServer server, string kind, long id, string name)
    {
        var response = await server.PostJsonAsync($"/api/v4/{kind}/{id}/access_tokens", new { name, scopes = new[] { "read_api", "create_runner" }, expires_at = DText });
        await Expect.StatusAsync(response, 201);
        return (await TestServer.Json(response))["id"]!.GetValue<long>();
    }
}
