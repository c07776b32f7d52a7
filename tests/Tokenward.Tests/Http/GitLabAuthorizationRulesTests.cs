using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;
using static Tokenward.Tests.Http.GroupsAndProjectsApiTests;

namespace Tokenward.Tests.Http;

/// <summary>
/// Cases of GitLab's request specs (<c>resource_access_tokens_spec.rb</c>,
/// <c>personal_access_tokens_spec.rb</c>, <c>users_spec.rb</c>) in our words: who may do what,
/// with which status and body, and the defaults GitLab applies. Every case runs on both engines.
/// </summary>
public class GitLabAuthorizationRulesTests
{
    private const string TooHighToRotate = """{"message":"400 Bad request - Not eligible to rotate token with access level higher than the user"}""";

    private static async Task<JsonNode> CreateResourceTokenAsync(TestServer server, string kind, long id, int level, string[] scopes, string? expiresAt = null, string token = TestServer.RootToken)
    {
        var body = new Dictionary<string, object> { ["name"] = $"bot-{level}", ["scopes"] = scopes, ["access_level"] = level };
        if (expiresAt is not null)
        {
            body["expires_at"] = expiresAt;
        }

        var response = await server.PostJsonAsync($"/api/v4/{kind}/{id}/access_tokens", body, token);
        await Expect.StatusAsync(response, 201);
        return await TestServer.Json(response);
    }

    private static Task<HttpResponseMessage> PutJsonAsync(TestServer server, string path, object body, string token = TestServer.RootToken) =>
        server.Client.SendAsync(TestServer.Request(HttpMethod.Put, path, token, JsonContent.Create(body)));

    private static async Task<JsonArray> EventsAsync(TestServer server, string entityType, long entityId) =>
        (await TestServer.Json(await server.GetAsync($"/api/v4/audit_events?entity_type={entityType}&entity_id={entityId}&per_page=100"))).AsArray();

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_bot_cannot_create_resource_tokens_nor_rotate_another_but_may_read_and_delete_them(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var group = await CreateGroupAsync(server, "team");
        var project = await CreateProjectAsync(server, "svc", group);
        var projectBot = (string)(await CreateResourceTokenAsync(server, "projects", project, 50, ["api"]))["token"]!;
        var groupBot = (string)(await CreateResourceTokenAsync(server, "groups", group, 50, ["api"]))["token"]!;
        var sibling = await CreateResourceTokenAsync(server, "projects", project, 30, ["read_api"]);

        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "more", scopes = new[] { "api" } }, projectBot),
            400, """{"message":"400 Bad request - User does not have permission to create project access token"}""");
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/groups/{group}/access_tokens", new { name = "more", scopes = new[] { "api" } }, groupBot),
            400, """{"message":"400 Bad request - User does not have permission to create group access token"}""");
        // An Owner-level group bot reaches the project below, and still may not mint there.
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "more", scopes = new[] { "api" } }, groupBot),
            400, """{"message":"400 Bad request - User does not have permission to create project access token"}""");
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens/{sibling["id"]}/rotate", new { }, projectBot),
            401, """{"message":"401 Unauthorized"}""");

        var listed = await server.GetAsync($"/api/v4/projects/{project}/access_tokens", projectBot);
        await Expect.StatusAsync(listed, 200);
        Assert.Equal(2, (await TestServer.Json(listed)).AsArray().Count);
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/projects/{project}/access_tokens/{sibling["id"]}", projectBot), 200);
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/projects/{project}/access_tokens/{sibling["id"]}", projectBot), 204);
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/projects/{project}", (string)sibling["token"]!), 401);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Nobody_rotates_a_token_above_their_own_level_but_an_admin(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var project = await CreateProjectAsync(server, "svc");
        var maintainer = await server.CreateUserAsync("maint");
        await AddMemberAsync(server, "projects", project, maintainer, 40);
        var (_, maintainerToken) = await server.CreateTokenAsync(maintainer, ["api"]);
        var owner = await CreateResourceTokenAsync(server, "projects", project, 50, ["api"]);
        var developer = await CreateResourceTokenAsync(server, "projects", project, 30, ["api"]);

        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens/{owner["id"]}/rotate", new { }, maintainerToken), 400, TooHighToRotate);
        // Nothing changed: the Owner-level token still works.
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/projects/{project}", (string)owner["token"]!), 200);
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens/{developer["id"]}/rotate", new { }, maintainerToken), 200);
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens/{owner["id"]}/rotate", new { }), 200);

        // Planner is a side branch: a Maintainer cannot hand it out.
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "plan", scopes = new[] { "api" }, access_level = 15 }, maintainerToken),
            400, """{"message":"400 Bad request - Access level of the token contains permissions not held by the creating user"}""");
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "dev", scopes = new[] { "api" }, access_level = 30 }, maintainerToken), 201);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Each_resource_token_endpoint_denies_as_gitlab_does(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var project = await CreateProjectAsync(server, "svc");
        var dev = await server.CreateUserAsync("dev");
        await AddMemberAsync(server, "projects", project, dev, 30);
        var (_, devToken) = await server.CreateTokenAsync(dev, ["api"]);
        var token = await CreateResourceTokenAsync(server, "projects", project, 30, ["api"]);
        var id = (long)token["id"]!;
        var botName = (string)(await TestServer.Json(await server.GetAsync($"/api/v4/users/{token["user_id"]}")))["name"]!;
        const string Unauthorized = """{"message":"401 Unauthorized"}""";

        await Expect.BodyAsync(await server.GetAsync($"/api/v4/projects/{project}/access_tokens", devToken), 401, Unauthorized);
        await Expect.BodyAsync(await server.GetAsync($"/api/v4/projects/{project}/access_tokens/{id}", devToken), 401, Unauthorized);
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens/{id}/rotate", new { }, devToken), 401, Unauthorized);
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "x", scopes = new[] { "api" } }, devToken),
            400, """{"message":"400 Bad request - User does not have permission to create project access token"}""");
        await Expect.BodyAsync(await server.DeleteAsync($"/api/v4/projects/{project}/access_tokens/{id}", devToken),
            400, $$"""{"message":"400 Bad request - dev cannot delete {{botName}}"}""");
        // Delete looks the token up first, so a missing one is a 404 for anyone who sees the project.
        await Expect.BodyAsync(await server.DeleteAsync($"/api/v4/projects/{project}/access_tokens/9999", devToken),
            404, """{"message":"404 Could not find project access token with token_id: 9999 Not Found"}""");
        await Expect.BodyAsync(await server.GetAsync($"/api/v4/projects/{project}/access_tokens/9999"),
            404, """{"message":"404 Could not find project access token with token_id: 9999 Not Found"}""");
        await Expect.BodyAsync(await server.GetAsync($"/api/v4/projects/{project}/access_tokens/abc"),
            404, """{"message":"404 Could not find project access token with token_id: abc Not Found"}""");
        // Rotation hides a missing token from everyone but admins.
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens/9999/rotate", new { }), 404, """{"message":"404 Not Found"}""");
        await Expect.BodyAsync(await server.GetAsync("/api/v4/projects/9999/access_tokens"), 404, """{"message":"404 Project Not Found"}""");
        // The token is untouched by all of it.
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/projects/{project}", (string)token["token"]!), 200);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_resource_token_rotating_itself_by_any_path_stays_a_resource_token(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var group = await CreateGroupAsync(server, "team");
        await Expect.StatusAsync(await PutJsonAsync(server, $"/api/v4/groups/{group}", new { max_personal_access_token_lifetime = 30 }), 200);
        var project = await CreateProjectAsync(server, "svc", group);
        var created = await CreateResourceTokenAsync(server, "projects", project, 40, ["api"], "2026-06-20");

        // The group's 30 days apply whatever the endpoint.
        await Expect.BodyAsync(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { expires_at = "2026-08-01" }, (string)created["token"]!),
            400, """{"message":{"expires_at":["must be on or before 2026-07-01 (the maximum lifetime is 30 days)"]}}""");
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/personal_access_tokens/{created["id"]}/rotate", new { expires_at = "2026-08-01" }, (string)created["token"]!),
            400, """{"message":{"expires_at":["must be on or before 2026-07-01 (the maximum lifetime is 30 days)"]}}""");
        var first = await TestServer.Json(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { expires_at = "2026-06-30" }, (string)created["token"]!));
        Assert.Equal("2026-06-30", (string?)first["expires_at"]);
        var second = await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens/self/rotate", new { }, (string)first["token"]!);
        await Expect.StatusAsync(second, 200);
        var json = await TestServer.Json(second);
        Assert.Equal(40, (int)json["access_level"]!);
        Assert.Equal("project", (string?)json["resource_type"]);
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/projects/{project}", (string)json["token"]!), 200);

        var events = await EventsAsync(server, "Project", project);
        Assert.Equal(2, events.Count(e => (string?)e!["event_name"] == "project_access_token_rotated"));
        // A person's token cannot use the bots' path.
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens/self/rotate", new { }), 405);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_bot_cannot_keep_itself_alive_with_tokens_it_minted(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var project = await CreateProjectAsync(server, "svc");
        var resource = await CreateResourceTokenAsync(server, "projects", project, 40, ["api"], "2026-07-01");
        var botToken = (string)resource["token"]!;
        var botId = (long)resource["user_id"]!;

        // GitLab lets a bot mint self_rotate and k8s_proxy tokens for itself; here they end with its resource token.
        await Expect.BodyAsync(await server.PostJsonAsync("/api/v4/user/personal_access_tokens", new { name = "keepalive", scopes = new[] { "self_rotate" }, expires_at = "2026-09-01" }, botToken),
            400, """{"message":{"expires_at":["must be on or before 2026-07-01, when this bot's resource access token expires"]}}""");
        var minted = await TestServer.Json(await server.PostJsonAsync("/api/v4/user/personal_access_tokens", new { name = "keepalive", scopes = new[] { "self_rotate" } }, botToken));
        Assert.Equal("2026-07-01", (string?)minted["expires_at"]);
        var mintedToken = (string)minted["token"]!;
        await Expect.StatusAsync(await server.GetAsync("/api/v4/personal_access_tokens/self", mintedToken), 200);
        // It is listed with the resource's tokens, where the maintainers see it.
        var listed = (await TestServer.Json(await server.GetAsync($"/api/v4/projects/{project}/access_tokens"))).AsArray();
        Assert.Contains(listed, t => (long)t!["id"]! == (long)minted["id"]!);

        // Revoking the resource token retires the bot with everything it minted.
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/projects/{project}/access_tokens/{resource["id"]}"), 204);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/personal_access_tokens/self", mintedToken), 401);
        await Expect.StatusAsync(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { }, mintedToken), 401);
        Assert.Equal("blocked", (string?)(await TestServer.Json(await server.GetAsync($"/api/v4/users/{botId}")))["state"]);
        var removed = Assert.Single(await EventsAsync(server, "User", botId), e => (string?)e!["event_name"] == "bot_user_removed")!;
        Assert.Equal([(long)minted["id"]!], removed["details"]!["tokens_revoked"]!.AsArray().Select(i => (long)i!));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_bots_self_minted_token_never_outlives_its_resource_token(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var project = await CreateProjectAsync(server, "svc");
        var resource = await CreateResourceTokenAsync(server, "projects", project, 40, ["api"], "2026-06-30");
        var minted = (string)(await TestServer.Json(await server.PostJsonAsync("/api/v4/user/personal_access_tokens", new { name = "k", scopes = new[] { "self_rotate" } }, (string)resource["token"]!)))["token"]!;

        // Rotating it is bounded by the resource token too.
        await Expect.BodyAsync(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { expires_at = "2026-07-15" }, minted),
            400, """{"message":{"expires_at":["must be on or before 2026-06-30, when this bot's resource access token expires"]}}""");
        var rotated = await TestServer.Json(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { expires_at = "2026-06-30" }, minted));
        var mintedNow = (string)rotated["token"]!;

        // The resource token rotated to an earlier date takes the minted one down with it.
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens/{resource["id"]}/rotate", new { expires_at = "2026-06-10" }), 200);
        Assert.Equal("2026-06-10", (string?)(await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens/{rotated["id"]}")))["expires_at"]);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/personal_access_tokens/self", mintedNow), 200);
        server.Clock.Advance(TimeSpan.FromDays(9));
        await Expect.StatusAsync(await server.GetAsync("/api/v4/personal_access_tokens/self", mintedNow), 401);
        var shortened = await EventsAsync(server, "User", (long)resource["user_id"]!);
        Assert.Contains(shortened, e => (string?)e!["event_name"] == "personal_access_token_expiry_shortened" && (long)e["target_id"]! == (long)rotated["id"]!);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_bot_cannot_be_adopted_by_another_resource_nor_detached_from_its_own(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var victim = await CreateProjectAsync(server, "victim");
        var bot = await CreateResourceTokenAsync(server, "projects", victim, 50, ["api"]);
        var mallory = await server.CreateUserAsync("mallory");
        var (_, malloryToken) = await server.CreateTokenAsync(mallory, ["api"]);
        var own = await CreateProjectAsync(server, "mine", token: malloryToken);

        // Adding another resource's bot to one's own project, to manage its token from there: refused, as GitLab.
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/projects/{own}/members", new { user_id = (long)bot["user_id"]!, access_level = 10 }, malloryToken),
            400, """{"message":{"user_id":["project bots cannot be added to other groups / projects"]}}""");
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/projects/{own}/access_tokens/{bot["id"]}/rotate", new { }, malloryToken), 401);
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/projects/{own}/access_tokens/{bot["id"]}", malloryToken), 404);
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/projects/{victim}", (string)bot["token"]!), 200);

        // Nor can its own resource's maintainers detach it: its token would leave the resource's list and rules.
        await Expect.BodyAsync(await server.DeleteAsync($"/api/v4/projects/{victim}/members/{bot["user_id"]}"),
            400, """{"message":"400 Bad request - A project or group bot leaves with its access token: revoke the token instead"}""");
        Assert.Single((await TestServer.Json(await server.GetAsync($"/api/v4/projects/{victim}/access_tokens"))).AsArray());
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_bot_is_retired_whichever_way_its_last_resource_token_goes(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine, s => s with { RotationGraceSeconds = 1 });
        var project = await CreateProjectAsync(server, "svc");

        // The bot revokes its own resource token through the personal endpoint.
        var first = await CreateResourceTokenAsync(server, "projects", project, 40, ["api"]);
        var firstMinted = (string)(await TestServer.Json(await server.PostJsonAsync("/api/v4/user/personal_access_tokens", new { name = "k", scopes = new[] { "self_rotate" } }, (string)first["token"]!)))["token"]!;
        await Expect.StatusAsync(await server.DeleteAsync("/api/v4/personal_access_tokens/self", (string)first["token"]!), 204);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/personal_access_tokens/self", firstMinted), 401);
        Assert.Equal("blocked", (string?)(await TestServer.Json(await server.GetAsync($"/api/v4/users/{first["user_id"]}")))["state"]);
        var events = await EventsAsync(server, "Project", project);
        Assert.Contains(events, e => (string?)e!["event_name"] == "project_access_token_revoked" && (long)e["target_id"]! == (long)first["id"]!);

        // A leaked resource token revokes its family, and the bot goes with it.
        var second = await CreateResourceTokenAsync(server, "projects", project, 40, ["api"]);
        var secondMinted = (string)(await TestServer.Json(await server.PostJsonAsync("/api/v4/user/personal_access_tokens", new { name = "k", scopes = new[] { "self_rotate" } }, (string)second["token"]!)))["token"]!;
        await Expect.StatusAsync(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { }, (string)second["token"]!), 200);
        server.Clock.Advance(TimeSpan.FromSeconds(2));
        await Expect.StatusAsync(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { }, (string)second["token"]!), 401);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/personal_access_tokens/self", secondMinted), 401);
        Assert.Equal("blocked", (string?)(await TestServer.Json(await server.GetAsync($"/api/v4/users/{second["user_id"]}")))["state"]);
        Assert.Contains(await EventsAsync(server, "Project", project), e => (string?)e!["event_name"] == "token_family_revoked");
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_rotated_token_presented_from_another_address_within_the_window_is_a_leak(DatabaseEngine engine)
    {
        // Requests from 127.0.0.1 may say who the client is, so one test can be two addresses.
        await using var server = await TestServer.StartAsync(engine, s => s with { TrustedProxies = Tokenward.AuthBans.BanPolicy.ParseNetworks("127.0.0.1/32") });
        var alice = await server.CreateUserAsync("alice");
        var (_, stolen) = await server.CreateTokenAsync(alice, ["api"]);
        HttpRequestMessage Rotate(string from)
        {
            var request = TestServer.Request(HttpMethod.Post, "/api/v4/personal_access_tokens/self/rotate", stolen, System.Net.Http.Json.JsonContent.Create(new { }));
            request.Headers.Add("X-Forwarded-For", from);
            return request;
        }

        // The thief rotates first; the owner's rotation a second later, from elsewhere, exposes the theft.
        var thiefs = (string)(await TestServer.Json(await server.Client.SendAsync(Rotate("203.0.113.66"))))["token"]!;
        server.Clock.Advance(TimeSpan.FromSeconds(1));
        await Expect.StatusAsync(await server.Client.SendAsync(Rotate("198.51.100.7")), 401);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", thiefs), 401);
        var family = Assert.Single(await EventsAsync(server, "User", alice), e => (string?)e!["event_name"] == "token_family_revoked")!;
        Assert.Equal("presented from 198.51.100.7, rotated from 203.0.113.66", (string?)family["details"]!["reason"]);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_group_maintainer_is_denied_every_group_token_endpoint_as_gitlab_does(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var group = await CreateGroupAsync(server, "team");
        var maint = await server.CreateUserAsync("maint");
        await AddMemberAsync(server, "groups", group, maint, 40);
        var (_, maintToken) = await server.CreateTokenAsync(maint, ["api"]);
        var token = await CreateResourceTokenAsync(server, "groups", group, 30, ["api"]);
        var botName = (string)(await TestServer.Json(await server.GetAsync($"/api/v4/users/{token["user_id"]}")))["name"]!;
        const string Unauthorized = """{"message":"401 Unauthorized"}""";

        await Expect.BodyAsync(await server.GetAsync($"/api/v4/groups/{group}/access_tokens", maintToken), 401, Unauthorized);
        await Expect.BodyAsync(await server.GetAsync($"/api/v4/groups/{group}/access_tokens/{token["id"]}", maintToken), 401, Unauthorized);
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/groups/{group}/access_tokens/{token["id"]}/rotate", new { }, maintToken), 401, Unauthorized);
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/groups/{group}/access_tokens", new { name = "x", scopes = new[] { "api" }, access_level = 30 }, maintToken),
            400, """{"message":"400 Bad request - User does not have permission to create group access token"}""");
        await Expect.BodyAsync(await server.DeleteAsync($"/api/v4/groups/{group}/access_tokens/{token["id"]}", maintToken),
            400, $$"""{"message":"400 Bad request - maint cannot delete {{botName}}"}""");
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/groups/{group}", (string)token["token"]!), 200);

        // An Owner of the group may.
        var owner = await server.CreateUserAsync("owner");
        await AddMemberAsync(server, "groups", group, owner, 50);
        var (_, ownerToken) = await server.CreateTokenAsync(owner, ["api"]);
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/groups/{group}/access_tokens/{token["id"]}/rotate", new { }, ownerToken), 200);
    }

    public static TheoryData<string, DatabaseEngine> RotateEndpoints()
    {
        var data = new TheoryData<string, DatabaseEngine>();
        foreach (var engine in new[] { DatabaseEngine.Sqlite, DatabaseEngine.Postgres })
        {
            foreach (var endpoint in new[] { "pat-by-id", "resource-by-id", "resource-self" })
            {
                data.Add(endpoint, engine);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RotateEndpoints))]
    public async Task Parallel_rotations_of_a_resource_token_leave_one_valid_successor(string endpoint, DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var project = await CreateProjectAsync(server, "svc");
        var created = await CreateResourceTokenAsync(server, "projects", project, 40, ["api"], "2026-12-01");
        var token = (string)created["token"]!;
        var path = endpoint switch
        {
            "pat-by-id" => $"/api/v4/personal_access_tokens/{created["id"]}/rotate",
            "resource-by-id" => $"/api/v4/projects/{project}/access_tokens/{created["id"]}/rotate",
            _ => $"/api/v4/projects/{project}/access_tokens/self/rotate",
        };
        var answers = new System.Collections.Concurrent.ConcurrentBag<(int Status, string Body)>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 6), new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (_, ct) =>
        {
            // Bots may not rotate through the resource path by id, so root does there; elsewhere the bot rotates itself.
            var credential = endpoint == "resource-by-id" ? TestServer.RootToken : token;
            using var response = await server.Client.SendAsync(TestServer.Request(HttpMethod.Post, path, credential, System.Net.Http.Json.JsonContent.Create(new { })), ct);
            answers.Add(((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct)));
        });

        var winner = Assert.Single(answers, a => a.Status == 200);
        Assert.All(answers.Where(a => a.Status != 200), a => Assert.Equal((400, """{"message":"400 Bad request - Token already revoked"}"""), a));
        var successor = (string)JsonNode.Parse(winner.Body)!["token"]!;
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/projects/{project}", successor), 200);
        Assert.Single((await TestServer.Json(await server.GetAsync($"/api/v4/projects/{project}/access_tokens?state=active"))).AsArray());

        // A retry of the bot's own rotation within the window is filed under the project, the family kept.
        if (endpoint != "resource-by-id")
        {
            await Expect.StatusAsync(await server.PostJsonAsync(path, new { }, token), 400);
            await Expect.StatusAsync(await server.GetAsync($"/api/v4/projects/{project}", successor), 200);
            Assert.Contains(await EventsAsync(server, "Project", project), e => (string?)e!["event_name"] == "token_rotation_retried");
        }
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Resource_tokens_take_a_past_date_as_gitlab_and_admins_a_blank_user_id_is_404(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var project = await CreateProjectAsync(server, "svc");
        var past = await CreateResourceTokenAsync(server, "projects", project, 30, ["api"], "2026-05-01");
        Assert.False((bool)past["active"]!);
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/projects/{project}", (string)past["token"]!), 401);

        await Expect.BodyAsync(await server.GetAsync("/api/v4/personal_access_tokens?user_id="), 404, """{"message":"404 Not Found"}""");
        var alice = await server.CreateUserAsync("alice");
        var (_, aliceToken) = await server.CreateTokenAsync(alice, ["api"]);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/personal_access_tokens?user_id=", aliceToken), 200);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Token_filters_bound_as_gitlabs_finder(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (id, token) = await server.CreateTokenAsync(alice, ["api"], "2026-07-01");
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", token), 200); // last used at 10:00:00.000
        async Task<long[]> IdsAsync(string query) =>
            (await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens?user_id={alice}&{query}"))).AsArray().Select(t => (long)t!["id"]!).ToArray();

        // created_before and last_used_before include their bound; a bare date is its midnight.
        Assert.Equal([id], await IdsAsync("created_before=2026-06-01T10:00:00.000Z"));
        Assert.Empty(await IdsAsync("created_before=2026-06-01"));
        Assert.Equal([id], await IdsAsync("created_after=2026-06-01T10:00:00Z"));
        Assert.Equal([id], await IdsAsync("last_used_before=2026-06-01T10:00:00Z"));
        Assert.Equal([id], await IdsAsync("last_used_after=2026-06-01T10:00:00Z"));
        Assert.Empty(await IdsAsync("last_used_before=2026-06-01T09:59:59Z"));
        // expires_before/after take a date-time and use its date as written.
        Assert.Equal([id], await IdsAsync("expires_before=2026-07-02T01:00:00%2B05:00"));
        Assert.Empty(await IdsAsync("expires_before=2026-07-01T23:59:59Z"));
        Assert.Equal([id], await IdsAsync("expires_after=2026-07-01T08:00:00Z"));

        await Expect.BodyAsync(await server.GetAsync("/api/v4/personal_access_tokens?created_before=yesterday"), 400, """{"error":"created_before is invalid"}""");
        await Expect.BodyAsync(await server.GetAsync("/api/v4/personal_access_tokens?user_id=9999"), 404, """{"message":"404 Not Found"}""");
        await Expect.BodyAsync(await server.GetAsync("/api/v4/personal_access_tokens?user_id=1", token), 401, """{"message":"401 Unauthorized"}""");
        await Expect.BodyAsync(await server.GetAsync("/api/v4/personal_access_tokens?user_id=9999", token), 401, """{"message":"401 Unauthorized"}""");
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Defaults_and_past_dates_as_gitlab(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (_, aliceToken) = await server.CreateTokenAsync(alice, ["api"]);

        var self = await TestServer.Json(await server.PostJsonAsync("/api/v4/user/personal_access_tokens", new { name = "k8s", scopes = new[] { "k8s_proxy" } }, aliceToken));
        Assert.Equal("2027-06-01", (string?)self["expires_at"]);

        // A past date is accepted on creation; the token is simply inactive.
        var past = await server.PostJsonAsync($"/api/v4/users/{alice}/personal_access_tokens", new { name = "old", scopes = new[] { "api" }, expires_at = "2026-01-01" });
        await Expect.StatusAsync(past, 201);
        var pastJson = await TestServer.Json(past);
        Assert.False((bool)pastJson["active"]!);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", (string)pastJson["token"]!), 401);
        var impersonation = await TestServer.Json(await server.PostJsonAsync($"/api/v4/users/{alice}/impersonation_tokens", new { name = "old", scopes = new[] { "api" }, expires_at = "2016-12-28" }));
        Assert.False((bool)impersonation["active"]!);
        // GitLab gives impersonation tokens no default date.
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/users/{alice}/impersonation_tokens", new { name = "x", scopes = new[] { "api" } }),
            400, """{"message":{"expires_at":["can't be blank"]}}""");
        // A rotation to a past date would swap a working token for a dead one: refused (a deliberate difference).
        await Expect.BodyAsync(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { expires_at = "2026-05-01" }, aliceToken),
            400, """{"message":{"expires_at":["must be in the future"]}}""");

        // With expiry not required, neither creation nor rotation invents a date.
        await Expect.StatusAsync(await PutJsonAsync(server, "/api/v4/application/settings", new { require_personal_access_token_expiry = false }), 200);
        var open = await TestServer.Json(await server.PostJsonAsync("/api/v4/user/personal_access_tokens", new { name = "k8s2", scopes = new[] { "k8s_proxy" } }, aliceToken));
        Assert.Null(open["expires_at"]);
        var rotated = await TestServer.Json(await server.PostJsonAsync("/api/v4/personal_access_tokens/self/rotate", new { }, aliceToken));
        Assert.Null(rotated["expires_at"]);
        var noDate = await server.PostJsonAsync($"/api/v4/users/{alice}/impersonation_tokens", new { name = "y", scopes = new[] { "api" } });
        await Expect.StatusAsync(noDate, 201);
        Assert.Null((await TestServer.Json(noDate))["expires_at"]);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Deleting_an_impersonation_token_or_a_member_honours_if_unmodified_since(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var imp = await TestServer.Json(await server.PostJsonAsync($"/api/v4/users/{alice}/impersonation_tokens", new { name = "support", scopes = new[] { "api" }, expires_at = "2026-12-01" }));
        var path = $"/api/v4/users/{alice}/impersonation_tokens/{imp["id"]}";
        HttpRequestMessage Delete(string since, string to)
        {
            var request = TestServer.Request(HttpMethod.Delete, to);
            request.Headers.TryAddWithoutValidation("If-Unmodified-Since", since);
            return request;
        }


        // Changed at 10:00:00.000; a header of that second or earlier is older than the change.
        await Expect.BodyAsync(await server.Client.SendAsync(Delete("Mon, 01 Jun 2026 09:00:00 GMT", path)), 412, """{"message":"412 Precondition Failed"}""");
        Assert.True((bool)(await TestServer.Json(await server.GetAsync(path)))["active"]!);
        await Expect.StatusAsync(await server.Client.SendAsync(Delete("Mon, 01 Jun 2026 10:00:01 GMT", path)), 204);
        Assert.False((bool)(await TestServer.Json(await server.GetAsync(path)))["active"]!);

        // GitLab guards removing a member the same way.
        var project = await CreateProjectAsync(server, "svc");
        await AddMemberAsync(server, "projects", project, alice, 30);
        await Expect.StatusAsync(await server.Client.SendAsync(Delete("Sun, 31 May 2026 10:00:00 GMT", $"/api/v4/projects/{project}/members/{alice}")), 412);
        await Expect.StatusAsync(await server.Client.SendAsync(Delete("Mon, 01 Jun 2026 11:00:00 GMT", $"/api/v4/projects/{project}/members/{alice}")), 204);

        var other = await TestServer.Json(await server.PostJsonAsync($"/api/v4/users/{alice}/impersonation_tokens", new { name = "s2", scopes = new[] { "api" }, expires_at = "2026-12-01" }));
        // A header that is no date is ignored, as GitLab ignores it.
        await Expect.StatusAsync(await server.Client.SendAsync(Delete("whenever", $"/api/v4/users/{alice}/impersonation_tokens/{other["id"]}")), 204);
    }
}
