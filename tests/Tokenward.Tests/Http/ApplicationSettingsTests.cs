using Tokenward.Storage;
using Tokenward.Tests.Cli;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Http;

public class ApplicationSettingsTests
{
    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Admins_change_the_lifetime_policy_and_new_tokens_follow_it(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        await Expect.BodyAsync(await server.GetAsync("/api/v4/application/settings"), 200,
            """{"require_personal_access_token_expiry":true,"max_personal_access_token_lifetime":365}""");

        var put = await server.Client.SendAsync(TestServer.Request(HttpMethod.Put, "/api/v4/application/settings", content:
            new FormUrlEncodedContent([new("max_personal_access_token_lifetime", "30"), new("require_personal_access_token_expiry", "false")])));
        await Expect.BodyAsync(put, 200, """{"require_personal_access_token_expiry":false,"max_personal_access_token_lifetime":30}""");

        var noExpiry = await TestServer.Json(await server.PostJsonAsync("/api/v4/users/1/personal_access_tokens", new { name = "n", scopes = new[] { "api" } }));
        Assert.Null(noExpiry["expires_at"]);
        await Expect.BodyAsync(
            await server.PostJsonAsync("/api/v4/users/1/personal_access_tokens", new { name = "n", scopes = new[] { "api" }, expires_at = "2026-08-01" }),
            400,
            """{"message":{"expires_at":["must be on or before 2026-07-01 (the maximum lifetime is 30 days)"]}}""");

        var events = await TestServer.Json(await server.GetAsync("/api/v4/audit_events?entity_type=Instance"));
        var change = Assert.Single(events.AsArray(), e => (string?)e!["event_name"] == "application_setting_updated")!;
        Assert.Equal(365, (int)change["details"]!["before"]!["max_personal_access_token_lifetime"]!);
        Assert.Equal(30, (int)change["details"]!["after"]!["max_personal_access_token_lifetime"]!);
    }

    [Fact]
    public async Task Settings_are_admin_only_and_validated()
    {
        await using var server = await TestServer.StartAsync();
        var alice = await server.CreateUserAsync("alice");
        var (_, token) = await server.CreateTokenAsync(alice, ["api"]);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/application/settings", token), 403);
        await Expect.StatusAsync(await server.Client.SendAsync(TestServer.Request(HttpMethod.Put, "/api/v4/application/settings", token, JsonContent(new { max_personal_access_token_lifetime = 10 }))), 403);
        await Expect.BodyAsync(
            await server.Client.SendAsync(TestServer.Request(HttpMethod.Put, "/api/v4/application/settings", content: JsonContent(new { max_personal_access_token_lifetime = 401 }))),
            400,
            """{"message":{"max_personal_access_token_lifetime":["must be between 1 and 400 days"]}}""");
        await Expect.BodyAsync(
            await server.Client.SendAsync(TestServer.Request(HttpMethod.Put, "/api/v4/application/settings", content: JsonContent(new { require_personal_access_token_expiry = "sometimes" }))),
            400,
            """{"error":"require_personal_access_token_expiry is invalid"}""");
    }

    [Fact]
    public async Task The_cli_shows_and_sets_settings_for_a_running_server()
    {
        await using var server = await TestServer.StartAsync();
        var args = new[] { "--data-dir", server.Dir };
        var set = await TokenwardProcess.RunAsync(null, ["settings", "set", "--max-token-lifetime", "90", "--yes", "--format", "json", .. args]);
        Assert.True(set.ExitCode == 0, set.Stderr);
        Assert.Contains("\"max_personal_access_token_lifetime\": 90", set.Stdout, StringComparison.Ordinal);
        // The same --format as every other command: a table by default, CSV for spreadsheets.
        var table = await TokenwardProcess.RunAsync(null, ["settings", "show", .. args]);
        Assert.Matches(@"^SETTING\s+VALUE\n", table.Stdout);
        Assert.Matches(@"\nmax_personal_access_token_lifetime\s+90\n", table.Stdout);
        var csv = await TokenwardProcess.RunAsync(null, ["settings", "show", "--format", "csv", .. args]);
        Assert.Contains("SETTING,VALUE\n", csv.Stdout, StringComparison.Ordinal);
        Assert.Contains("\nmax_personal_access_token_lifetime,90\n", csv.Stdout, StringComparison.Ordinal);
        var lines = await TokenwardProcess.RunAsync(null, ["settings", "show", "--format", "lines", .. args]);
        Assert.Equal(1, lines.ExitCode);
        Assert.Contains("--format lines is for the token reports", lines.Stderr, StringComparison.Ordinal);
        // The server reads the setting from the database: no restart needed.
        await Expect.BodyAsync(await server.GetAsync("/api/v4/application/settings"), 200,
            """{"require_personal_access_token_expiry":true,"max_personal_access_token_lifetime":90}""");
        var bad = await TokenwardProcess.RunAsync(null, ["settings", "set", "--max-token-lifetime", "0", .. args]);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("between 1 and 400", bad.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, (await TokenwardProcess.RunAsync(null, ["settings", "set", .. args])).ExitCode);
    }

    private static StringContent JsonContent(object body) =>
        new(System.Text.Json.JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_group_limit_shortens_the_lifetime_of_tokens_below_it(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var group = await GroupsAndProjectsApiTests.CreateGroupAsync(server, "team");
        var sub = await GroupsAndProjectsApiTests.CreateGroupAsync(server, "sub", group);
        var project = await GroupsAndProjectsApiTests.CreateProjectAsync(server, "svc", sub);
        var put = await server.Client.SendAsync(TestServer.Request(HttpMethod.Put, $"/api/v4/groups/{group}", content: JsonContent(new { max_personal_access_token_lifetime = 30 })));
        await Expect.StatusAsync(put, 200);
        Assert.Equal(30, (int)(await TestServer.Json(put))["max_personal_access_token_lifetime"]!);

        // Without a date: the group's 30 days, not the instance's 365.
        var created = await TestServer.Json(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "p", scopes = new[] { "api" } }));
        Assert.Equal("2026-07-01", (string?)created["expires_at"]);
        await Expect.BodyAsync(
            await server.PostJsonAsync($"/api/v4/groups/{sub}/access_tokens", new { name = "g", scopes = new[] { "api" }, expires_at = "2026-08-01" }),
            400,
            """{"message":{"expires_at":["must be on or before 2026-07-01 (the maximum lifetime is 30 days)"]}}""");
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens/{created["id"]}/rotate", new { expires_at = "2026-08-01" }), 400);
        // Personal tokens keep the instance policy.
        Assert.Equal("2027-06-01", (string?)(await TestServer.Json(await server.PostJsonAsync("/api/v4/users/1/personal_access_tokens", new { name = "n", scopes = new[] { "api" } })))["expires_at"]);

        await Expect.BodyAsync(
            await server.Client.SendAsync(TestServer.Request(HttpMethod.Put, $"/api/v4/groups/{group}", content: JsonContent(new { max_personal_access_token_lifetime = 500 }))),
            400,
            """{"message":{"max_personal_access_token_lifetime":["must be between 1 and the instance's 365 days"]}}""");
        var alice = await server.CreateUserAsync("alice");
        var (_, token) = await server.CreateTokenAsync(alice, ["api"]);
        await GroupsAndProjectsApiTests.AddMemberAsync(server, "groups", group, alice, 40);
        await Expect.StatusAsync(await server.Client.SendAsync(TestServer.Request(HttpMethod.Put, $"/api/v4/groups/{group}", token, JsonContent(new { max_personal_access_token_lifetime = 10 }))), 403);
    }
}
