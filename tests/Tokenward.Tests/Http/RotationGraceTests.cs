using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;
using static Tokenward.Tests.Http.GroupsAndProjectsApiTests;

namespace Tokenward.Tests.Http;

/// <summary>Tokenward's <c>grace_period</c> on rotation: the old token overlaps its successor, then is refused as revoked.</summary>
public class RotationGraceTests
{
    private static async Task<PersonalAccessToken> StoredAsync(TestServer server, long id)
    {
        await using var scope = server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TokenwardDb>().PersonalAccessTokens.SingleAsync(t => t.Id == id);
    }

    private static async Task<System.Text.Json.Nodes.JsonArray> EventsAsync(TestServer server, long userId) =>
        (await TestServer.Json(await server.GetAsync($"/api/v4/audit_events?entity_type=User&entity_id={userId}"))).AsArray();

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task The_old_token_works_until_the_grace_ends_and_is_then_refused_as_revoked(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (oldId, old) = await server.CreateTokenAsync(alice, ["api"], "2026-12-01", name: "deploy");

        var response = await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate?grace_period=3s", new { }, old);
        await Expect.StatusAsync(response, 200);
        var successor = (string)(await TestServer.Json(response))["token"]!;

        // The old one is rotated, as GitLab shows it, and says until when it still works.
        var shown = await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens/{oldId}"));
        Assert.True((bool)shown["revoked"]!);
        Assert.False((bool)shown["active"]!);
        Assert.Equal(TestServer.Start.UtcDateTime.AddSeconds(3), (await StoredAsync(server, oldId)).RotationGraceUntil);
        Assert.StartsWith("2026-06-01T10:00:03", (string?)shown["rotation_grace_until"], StringComparison.Ordinal);

        // Both work side by side; the old one is now in the cache, which holds it longer than its grace.
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", old), 200);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", successor), 200);
        server.Clock.Advance(TimeSpan.FromMilliseconds(2_999));
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", old), 200);

        server.Clock.Advance(TimeSpan.FromMilliseconds(1));
        await Expect.StatusAsync(await server.GetAsync("/api/v4/personal_access_tokens/self", old), 401);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", successor), 200);
        var line = await server.LogLineAsync(l => (int?)l["status"] == 401 && (string?)l["path"] == "/api/v4/personal_access_tokens/self");
        Assert.Equal("token_revoked", (string?)line["meta.auth_fail_reason"]);
        Assert.Equal($"PersonalAccessToken/{oldId}", (string?)line["meta.auth_fail_token_id"]);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task The_rotation_event_records_the_grace_and_until_when_the_old_token_works(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (oldId, _) = await server.CreateTokenAsync(alice, ["api"]);

        var rotated = await TestServer.Json(await server.PostJsonAsync($"/api/v4/personal_access_tokens/{oldId}/rotate", new { grace_period = "2h" }));

        var e = Assert.Single(await EventsAsync(server, alice), e => (string?)e!["event_name"] == "personal_access_token_rotated")!;
        Assert.Equal((long)rotated["id"]!, (long)e["details"]!["token_id"]!);
        Assert.Equal(oldId, (long)e["details"]!["previous_token_id"]!);
        Assert.Equal(7_200, (long)e["details"]!["grace_period_seconds"]!);
        Assert.StartsWith("2026-06-01T12:00:00", (string?)e["details"]!["previous_token_valid_until"], StringComparison.Ordinal);
        // The successor itself has no grace of its own.
        Assert.Null(rotated["rotation_grace_until"]);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Without_a_grace_period_rotation_is_as_gitlab_s(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (oldId, old) = await server.CreateTokenAsync(alice, ["api"]);
        foreach (var zero in new[] { "0", "0h" })
        {
            var (id, token) = await server.CreateTokenAsync(alice, ["api"], name: $"zero {zero}");
            await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/personal_access_tokens/{id}/rotate?grace_period={zero}", new { }), 200);
            await Expect.StatusAsync(await server.GetAsync("/api/v4/user", token), 401);
        }

        await Expect.StatusAsync(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { }, old), 200);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", old), 401);
        Assert.Null((await StoredAsync(server, oldId)).RotationGraceUntil);
        Assert.Null((await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens/{oldId}")))["rotation_grace_until"]);
        var e = Assert.Single(await EventsAsync(server, alice), e => (string?)e!["event_name"] == "personal_access_token_rotated" && (long)e["details"]!["previous_token_id"]! == oldId)!;
        Assert.Null(e["details"]!["grace_period_seconds"]);
    }

    [Theory]
    [InlineData("soon", "grace_period is invalid")]
    [InlineData("", "grace_period is invalid")]
    [InlineData("-60", "grace_period is invalid")]
    [InlineData("1.5h", "grace_period is invalid")]
    [InlineData("1w", "grace_period is invalid")]
    [InlineData("h", "grace_period is invalid")]
    [InlineData("99999999999", "grace_period is invalid")]
    [InlineData("8d", "grace_period must be at most 7d (604800 seconds)")]
    [InlineData("604801", "grace_period must be at most 7d (604800 seconds)")]
    [InlineData("999999999d", "grace_period must be at most 7d (604800 seconds)")]
    public async Task A_bad_or_too_long_grace_period_is_a_400_and_rotates_nothing(string value, string error)
    {
        await using var server = await TestServer.StartAsync();
        var alice = await server.CreateUserAsync("alice");
        var (id, token) = await server.CreateTokenAsync(alice, ["api"]);
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/personal_access_tokens/{id}/rotate", new { grace_period = value }), 400, $$"""{"error":"{{error}}"}""");
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/personal_access_tokens/self/rotate?grace_period={Uri.EscapeDataString(value)}", new { }, token), 400, $$"""{"error":"{{error}}"}""");
        Assert.False((await StoredAsync(server, id)).Revoked);
    }

    [Fact]
    public async Task The_longest_grace_is_seven_days_to_the_second()
    {
        await using var server = await TestServer.StartAsync();
        var alice = await server.CreateUserAsync("alice");
        var (id, token) = await server.CreateTokenAsync(alice, ["api"], "2026-12-01");
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/personal_access_tokens/{id}/rotate?grace_period=604800", new { }), 200);
        server.Clock.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", token), 200);
        server.Clock.Advance(TimeSpan.FromSeconds(1));
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", token), 401);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Rotating_the_old_token_again_during_its_grace_is_refused_and_keeps_the_family(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (oldId, old) = await server.CreateTokenAsync(alice, ["api"]);
        var rotated = await TestServer.Json(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate?grace_period=1h", new { }, old));
        var (newId, successor) = ((long)rotated["id"]!, (string)rotated["token"]!);

        // Well past the retry window, still inside the grace: a second rotation of it is refused, nothing is revoked.
        server.Clock.Advance(TimeSpan.FromMinutes(10));
        const string AlreadyRevoked = """{"message":"400 Bad request - Token already revoked"}""";
        await Expect.BodyAsync(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate?grace_period=1h", new { }, old), 400, AlreadyRevoked);
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/personal_access_tokens/{oldId}/rotate", new { }, old), 400, AlreadyRevoked);
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/personal_access_tokens/{oldId}/rotate", new { }, successor), 400, AlreadyRevoked);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", old), 200);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", successor), 200);
        Assert.Single((await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens?user_id={alice}&state=active"))).AsArray(), t => (long)t!["id"]! == newId);
        Assert.DoesNotContain(await EventsAsync(server, alice), e => (string?)e!["event_name"] == "token_family_revoked");
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task After_the_grace_reusing_the_old_token_to_rotate_revokes_the_family(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (oldId, old) = await server.CreateTokenAsync(alice, ["api"]);
        var successor = (string)(await TestServer.Json(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate?grace_period=30m", new { }, old)))["token"]!;

        server.Clock.Advance(TimeSpan.FromMinutes(30));
        await Expect.StatusAsync(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { }, old), 401);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", successor), 401);
        var family = Assert.Single(await EventsAsync(server, alice), e => (string?)e!["event_name"] == "token_family_revoked")!;
        Assert.Equal(oldId, (long)family["details"]!["reused_token_id"]!);
        Assert.Equal("presented after the grace window", (string?)family["details"]!["reason"]);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Revoking_the_successor_or_the_old_token_ends_the_grace_at_once(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (oldId, old) = await server.CreateTokenAsync(alice, ["api"]);
        var rotated = await TestServer.Json(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate?grace_period=1d", new { }, old));
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", old), 200); // cached now

        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/personal_access_tokens/{rotated["id"]}", (string)rotated["token"]!), 204);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", old), 401);
        Assert.Equal(TestServer.Start.UtcDateTime, (await StoredAsync(server, oldId)).RotationGraceUntil);
        var revoked = Assert.Single(await EventsAsync(server, alice), e => (string?)e!["event_name"] == "personal_access_token_revoked")!;
        Assert.Equal(oldId, (long)revoked["details"]!["predecessor_rotation_grace_ended"]!["token_id"]!);

        // The old token revoked by itself, in its grace: gone at once too, and said so.
        var (otherId, other) = await server.CreateTokenAsync(alice, ["api"], name: "other");
        await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate?grace_period=1d", new { }, other);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", other), 200);
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/personal_access_tokens/{otherId}"), 204);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", other), 401);
        Assert.Single(await EventsAsync(server, alice), e => (string?)e!["event_name"] == "personal_access_token_revoked" && (long)e["target_id"]! == otherId && e["details"]!["rotation_grace_ended"] is not null);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_revoked_family_takes_a_token_still_in_its_grace_with_it(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (_, first) = await server.CreateTokenAsync(alice, ["api"]);
        var second = (string)(await TestServer.Json(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate?grace_period=1d", new { }, first)))["token"]!;
        var third = (string)(await TestServer.Json(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { }, second)))["token"]!;
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", first), 200);

        // The second, rotated without grace, reused past the retry window: a leak, and the first's grace ends with the family.
        server.Clock.Advance(TimeSpan.FromMinutes(1));
        await Expect.StatusAsync(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { }, second), 401);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", third), 401);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", first), 401);
        var family = Assert.Single(await EventsAsync(server, alice), e => (string?)e!["event_name"] == "token_family_revoked")!;
        Assert.Equal(2, family["details"]!["revoked"]!.AsArray().Count);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Project_and_group_tokens_rotate_with_a_grace_too(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var group = await CreateGroupAsync(server, "team");
        var project = await CreateProjectAsync(server, "svc", group);
        var created = await TestServer.Json(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "deploy", scopes = new[] { "api" }, access_level = 30 }));
        var rotated = await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens/{created["id"]}/rotate?grace_period=15m", new { });
        await Expect.StatusAsync(rotated, 200);
        Assert.Equal(30, (int)(await TestServer.Json(rotated))["access_level"]!);
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/projects/{project}", (string)created["token"]!), 200);
        var shown = await TestServer.Json(await server.GetAsync($"/api/v4/projects/{project}/access_tokens/{created["id"]}"));
        Assert.StartsWith("2026-06-01T10:15:00", (string?)shown["rotation_grace_until"], StringComparison.Ordinal);

        // A group bot rotating its own token, with the body's grace_period.
        var groupToken = await TestServer.Json(await server.PostJsonAsync($"/api/v4/groups/{group}/access_tokens", new { name = "bot", scopes = new[] { "api" }, access_level = 40 }));
        var selfRotated = await server.PostJsonAsync($"/api/v4/groups/{group}/access_tokens/self/rotate", new { grace_period = "10m" }, (string)groupToken["token"]!);
        await Expect.StatusAsync(selfRotated, 200);
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/groups/{group}", (string)groupToken["token"]!), 200);
        var e = Assert.Single((await TestServer.Json(await server.GetAsync($"/api/v4/audit_events?entity_type=Group&entity_id={group}"))).AsArray(),
            e => ((string?)e!["event_name"])!.EndsWith("_rotated", StringComparison.Ordinal))!;
        Assert.Equal(600, (long)e["details"]!["grace_period_seconds"]!);

        server.Clock.Advance(TimeSpan.FromMinutes(10));
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/groups/{group}", (string)groupToken["token"]!), 401);
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/projects/{project}", (string)created["token"]!), 200);
        server.Clock.Advance(TimeSpan.FromMinutes(5));
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/projects/{project}", (string)created["token"]!), 401);
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/projects/{project}", (string)(await TestServer.Json(rotated))["token"]!), 200);
    }

    [Fact]
    public async Task Who_may_rotate_is_unchanged_and_impersonation_tokens_take_a_grace_too()
    {
        await using var server = await TestServer.StartAsync();
        var alice = await server.CreateUserAsync("alice");
        var bob = await server.CreateUserAsync("bob");
        var (_, aliceToken) = await server.CreateTokenAsync(alice, ["api"]);
        var (bobId, bobToken) = await server.CreateTokenAsync(bob, ["api"]);
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/personal_access_tokens/{bobId}/rotate?grace_period=1h", new { }, aliceToken), 401, """{"message":"401 Unauthorized"}""");
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", bobToken), 200);

        var imp = await TestServer.Json(await server.PostJsonAsync($"/api/v4/users/{alice}/impersonation_tokens", new { name = "support", scopes = new[] { "api" }, expires_at = "2026-12-01" }));
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/users/{alice}/impersonation_tokens/{imp["id"]}/rotate?grace_period=1h", new { }, aliceToken), 403);
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/users/{alice}/impersonation_tokens/{imp["id"]}/rotate?grace_period=1h", new { }), 200);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", (string)imp["token"]!), 200);
    }
}
