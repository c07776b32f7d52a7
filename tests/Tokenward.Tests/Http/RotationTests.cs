using System.Collections.Concurrent;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;
using static Tokenward.Tests.Http.GroupsAndProjectsApiTests;

namespace Tokenward.Tests.Http;

public class RotationTests
{
    private static async Task<PersonalAccessToken> StoredAsync(TestServer server, long id)
    {
        await using var scope = server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TokenwardDb>().PersonalAccessTokens.SingleAsync(t => t.Id == id);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Rotation_revokes_the_old_token_and_links_a_new_one(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (oldId, oldToken) = await server.CreateTokenAsync(alice, ["api", "read_user"], "2026-12-01", name: "ci");

        var response = await server.PostJsonAsync($"/api/v4/personal_access_tokens/{oldId}/rotate", new { }, oldToken);
        await Expect.StatusAsync(response, 200);
        var json = await TestServer.Json(response);
        var newId = (long)json["id"]!;
        var newToken = (string)json["token"]!;
        Assert.Equal("ci", (string?)json["name"]);
        Assert.Equal(new[] { "api", "read_user" }, json["scopes"]!.AsArray().Select(s => (string)s!));
        Assert.Equal(alice, (long)json["user_id"]!);
        Assert.Equal("2026-06-08", (string?)json["expires_at"]); // GitLab's one week by default
        Assert.Equal(oldId, (await StoredAsync(server, newId)).PreviousPersonalAccessTokenId);
        Assert.True((await StoredAsync(server, oldId)).Revoked);

        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", oldToken), 401);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", newToken), 200);

        var chosen = await server.PostJsonAsync($"/api/v4/personal_access_tokens/{newId}/rotate", new { expires_at = "2026-09-01" });
        Assert.Equal("2026-09-01", (string?)(await TestServer.Json(chosen))["expires_at"]);
    }

    [Fact]
    public async Task Rotation_follows_the_rules_for_who_and_what()
    {
        await using var server = await TestServer.StartAsync();
        var alice = await server.CreateUserAsync("alice");
        var bob = await server.CreateUserAsync("bob");
        var (aliceId, aliceToken) = await server.CreateTokenAsync(alice, ["api"]);
        var (bobId, _) = await server.CreateTokenAsync(bob, ["api"]);

        // Someone else's token, or none: 401 for users, as GitLab hides which; admins learn it is not there.
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/personal_access_tokens/{bobId}/rotate", new { }, aliceToken), 401, """{"message":"401 Unauthorized"}""");
        await Expect.BodyAsync(await server.PostJsonAsync("/api/v4/personal_access_tokens/9999/rotate", new { }, aliceToken), 401, """{"message":"401 Unauthorized"}""");
        await Expect.BodyAsync(await server.PostJsonAsync("/api/v4/personal_access_tokens/9999/rotate", new { }), 404, """{"message":"404 Not Found"}""");
        await Expect.BodyAsync(
            await server.PostJsonAsync($"/api/v4/personal_access_tokens/{aliceId}/rotate", new { expires_at = "2028-01-01" }),
            400,
            """{"message":{"expires_at":["must be on or before 2027-06-01 (the maximum lifetime is 365 days)"]}}""");
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/personal_access_tokens/{bobId}"), 204);
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/personal_access_tokens/{bobId}/rotate", new { }), 400, """{"message":"400 Bad request - Token already revoked"}""");
    }

    [Fact]
    public async Task Self_rotation_needs_api_or_self_rotate()
    {
        await using var server = await TestServer.StartAsync();
        var alice = await server.CreateUserAsync("alice");
        var (_, selfRotate) = await server.CreateTokenAsync(alice, ["self_rotate"]);
        var (_, readOnly) = await server.CreateTokenAsync(alice, ["read_api"]);

        var rotated = await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { }, selfRotate);
        await Expect.StatusAsync(rotated, 200);
        var next = (string)(await TestServer.Json(rotated))["token"]!;
        // A self_rotate token can do nothing else.
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", next), 403);
        var refused = await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { }, readOnly);
        await Expect.StatusAsync(refused, 403);
        Assert.Equal("api self_rotate", (string?)(await TestServer.Json(refused))["scope"]);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Rotating_with_an_already_rotated_token_revokes_the_family(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (_, first) = await server.CreateTokenAsync(alice, ["api"]);
        var second = (string)(await TestServer.Json(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { }, first)))["token"]!;
        var third = (string)(await TestServer.Json(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { }, second)))["token"]!;

        // Plain use of a rotated token is only a 401; the family lives on.
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", first), 401);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", third), 200);

        // Rotating with it again, past the grace window for retries, means it leaked: every token of the family goes.
        server.Clock.Advance(TimeSpan.FromSeconds(server.Settings.RotationGraceSeconds + 1));
        await Expect.StatusAsync(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { }, first), 401);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", third), 401);
        var events = await TestServer.Json(await server.GetAsync($"/api/v4/audit_events?entity_type=User&entity_id={alice}"));
        var family = Assert.Single(events.AsArray(), e => (string?)e!["event_name"] == "token_family_revoked")!;
        Assert.Equal(3, family["details"]!["family"]!.AsArray().Count);
        Assert.Single(family["details"]!["revoked"]!.AsArray());
        Assert.Contains(server.ServerLog.Entries, e => e.Contains("was presented to rotate again", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Of_concurrent_rotations_exactly_one_wins(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (id, _) = await server.CreateTokenAsync(alice, ["api"]);
        var answers = new ConcurrentBag<HttpStatusCode>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 8), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, ct) =>
        {
            using var response = await server.Client.SendAsync(TestServer.Request(HttpMethod.Post, $"/api/v4/personal_access_tokens/{id}/rotate"), ct);
            answers.Add(response.StatusCode);
        });

        Assert.Equal(1, answers.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(7, answers.Count(s => s == HttpStatusCode.BadRequest));
        var active = await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens?user_id={alice}&state=active"));
        Assert.Single(active.AsArray());
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Parallel_self_rotations_with_one_token_leave_the_winners_successor_valid(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (_, token) = await server.CreateTokenAsync(alice, ["api"]);
        var answers = new ConcurrentBag<(HttpStatusCode Status, string Body)>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 6), new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (_, ct) =>
        {
            using var response = await server.Client.SendAsync(TestServer.Request(HttpMethod.Post, "/api/v4/personal_access_tokens/self/rotate", token), ct);
            answers.Add((response.StatusCode, await response.Content.ReadAsStringAsync(ct)));
        });

        var winner = Assert.Single(answers, a => a.Status == HttpStatusCode.OK);
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.OK), a =>
        {
            Assert.Equal(HttpStatusCode.BadRequest, a.Status);
            Assert.Equal("""{"message":"400 Bad request - Token already revoked"}""", a.Body);
        });
        var successor = (string)System.Text.Json.Nodes.JsonNode.Parse(winner.Body)!["token"]!;
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", successor), 200);
        var active = await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens?user_id={alice}&state=active"));
        Assert.Single(active.AsArray());
        var events = await TestServer.Json(await server.GetAsync($"/api/v4/audit_events?entity_type=User&entity_id={alice}"));
        Assert.DoesNotContain(events.AsArray(), e => (string?)e!["event_name"] == "token_family_revoked");
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_retried_rotation_within_the_grace_window_keeps_the_family(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (oldId, old) = await server.CreateTokenAsync(alice, ["api"]);
        var rotated = await TestServer.Json(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { }, old));
        var successor = (string)rotated["token"]!;

        // The client lost the answer and retries with the old token, just inside the window.
        server.Clock.Advance(TimeSpan.FromSeconds(server.Settings.RotationGraceSeconds));
        await Expect.BodyAsync(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { }, old), 400,
            """{"message":"400 Bad request - Token already revoked"}""");
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/personal_access_tokens/{oldId}/rotate", new { }, old), 400,
            """{"message":"400 Bad request - Token already revoked"}""");
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", successor), 200);

        var line = await server.LogLineAsync(l => (int?)l["status"] == 400 && (string?)l["path"] == "/api/v4/personal_access_tokens/self/rotate");
        Assert.Equal("token_revoked", (string?)line["meta.auth_fail_reason"]);
        Assert.Equal($"PersonalAccessToken/{oldId}", (string?)line["meta.auth_fail_token_id"]);
        var events = (await TestServer.Json(await server.GetAsync($"/api/v4/audit_events?entity_type=User&entity_id={alice}"))).AsArray();
        var retries = events.Where(e => (string?)e!["event_name"] == "token_rotation_retried").ToList();
        Assert.Equal(2, retries.Count);
        Assert.All(retries, r =>
        {
            Assert.Equal(oldId, (long)r!["details"]!["reused_token_id"]!);
            Assert.Equal((long)rotated["id"]!, (long)r!["details"]!["successor_token_id"]!);
        });
        Assert.DoesNotContain(events, e => (string?)e!["event_name"] == "token_family_revoked");
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_rotated_token_reused_after_the_grace_window_revokes_the_family(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine, s => s with { RotationGraceSeconds = 3 });
        var alice = await server.CreateUserAsync("alice");
        var (oldId, old) = await server.CreateTokenAsync(alice, ["api"]);
        var successor = (string)(await TestServer.Json(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { }, old)))["token"]!;

        server.Clock.Advance(TimeSpan.FromSeconds(3.01));
        await Expect.StatusAsync(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { }, old), 401);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", successor), 401);
        var events = (await TestServer.Json(await server.GetAsync($"/api/v4/audit_events?entity_type=User&entity_id={alice}"))).AsArray();
        var family = Assert.Single(events, e => (string?)e!["event_name"] == "token_family_revoked")!;
        Assert.Equal(oldId, (long)family["details"]!["reused_token_id"]!);
        Assert.DoesNotContain(events, e => (string?)e!["event_name"] == "token_rotation_retried");
    }

    [Fact]
    public void The_grace_window_is_a_setting()
    {
        static Tokenward.Hosting.TokenwardSettings With(string? value) =>
            Tokenward.Hosting.TokenwardSettings.Resolve(Path.GetTempPath(), null, null, name => name == "TOKENWARD_ROTATION_GRACE_SECONDS" ? value : null);
        Assert.Equal(2.5, With("2.5").RotationGraceSeconds);
        Assert.Equal(5, With(null).RotationGraceSeconds);
        var e = Assert.Throws<Tokenward.Hosting.SettingsException>(() => With("soon"));
        Assert.Equal("TOKENWARD_ROTATION_GRACE_SECONDS must be a number of seconds from 0 to 300.", e.Message);
    }

    [Fact]
    public async Task Resource_and_impersonation_tokens_rotate_too()
    {
        await using var server = await TestServer.StartAsync();
        var project = await CreateProjectAsync(server, "svc");
        var created = await TestServer.Json(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "deploy", scopes = new[] { "api" }, access_level = 30 }));
        var rotated = await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens/{created["id"]}/rotate", new { expires_at = "2026-07-01" });
        await Expect.StatusAsync(rotated, 200);
        var json = await TestServer.Json(rotated);
        Assert.Equal((long)created["user_id"]!, (long)json["user_id"]!);
        Assert.Equal(30, (int)json["access_level"]!);
        Assert.Equal("2026-07-01", (string?)json["expires_at"]);
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/projects/{project}", (string)json["token"]!), 200);
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/projects/{project}", (string)created["token"]!), 401);

        var alice = await server.CreateUserAsync("alice");
        var imp = await TestServer.Json(await server.PostJsonAsync($"/api/v4/users/{alice}/impersonation_tokens", new { name = "support", scopes = new[] { "api" }, expires_at = "2026-12-01" }));
        var impRotated = await TestServer.Json(await server.PostJsonAsync($"/api/v4/users/{alice}/impersonation_tokens/{imp["id"]}/rotate", new { }));
        Assert.True((bool)impRotated["impersonation"]!);
        Assert.Equal("alice", (string?)(await TestServer.Json(await server.GetAsync("/api/v4/user", (string)impRotated["token"]!)))["username"]);
    }
}
