using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Http;

/// <summary>
/// GitLab's limits on stored strings, on both engines: 255 characters for names and addresses,
/// 255 for a token's description, no control characters in a line, GitLab's name patterns for
/// groups and projects. Refused with GitLab's validation body; nothing half-stored.
/// </summary>
public class StoredStringRulesTests
{
    private static FormUrlEncodedContent Form(params (string Key, string Value)[] values) =>
        new(values.Select(v => KeyValuePair.Create(v.Key, v.Value)));

    private static HttpRequestMessage Post(string path, HttpContent content) => TestServer.Request(HttpMethod.Post, path, content: content);

    private static StringContent Json(object body) => new(JsonSerializer(body), Encoding.UTF8, "application/json");

    private static string JsonSerializer(object body) => System.Text.Json.JsonSerializer.Serialize(body);

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Token_names_and_descriptions_keep_to_gitlabs_limits(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        const string path = "/api/v4/users/1/personal_access_tokens";
        await Expect.BodyAsync(await server.Client.SendAsync(Post(path, Json(new { name = new string('n', 256), scopes = new[] { "api" } }))),
            400, """{"message":{"name":["is too long (maximum is 255 characters)"]}}""");
        await Expect.BodyAsync(await server.Client.SendAsync(Post(path, Json(new { name = "ok", description = new string('d', 900 * 1024), scopes = new[] { "api" } }))),
            400, """{"message":{"description":["is too long (maximum is 255 characters)"]}}""");
        await Expect.BodyAsync(await server.Client.SendAsync(Post(path, Json(new { name = "bell\u0007", scopes = new[] { "api" } }))),
            400, """{"message":{"name":["can't contain control characters"]}}""");
        await Expect.BodyAsync(await server.Client.SendAsync(Post(path, Json(new { name = "ok", description = "escape \u001b[31m", scopes = new[] { "api" } }))),
            400, """{"message":{"description":["can't contain control characters"]}}""");

        // At the limit, and a description over lines, are fine.
        var created = await TestServer.Json(await server.Client.SendAsync(Post(path, Json(new { name = new string('n', 255), description = "line one\nline two\t" + new string('d', 237), scopes = new[] { "api" } }))));
        Assert.Equal(255, ((string)created["name"]!).Length);
        Assert.Equal(255, ((string)created["description"]!).Length);

        // The same rules through a project's token endpoint, whose name also names the bot.
        var group = await TestServer.Json(await server.Client.SendAsync(Post("/api/v4/groups", Form(("name", "team"), ("path", "team")))));
        await Expect.BodyAsync(await server.Client.SendAsync(Post($"/api/v4/groups/{group["id"]}/access_tokens", Json(new { name = new string('b', 300), scopes = new[] { "api" }, expires_at = "2026-12-01" }))),
            400, """{"message":{"name":["is too long (maximum is 255 characters)"]}}""");
        // Padding around a name is no name: the bot is named as its token, trimmed.
        var padded = await TestServer.Json(await server.Client.SendAsync(Post($"/api/v4/groups/{group["id"]}/access_tokens", Json(new { name = "\n\tdeploy" + new string(' ', 300_000), scopes = new[] { "api" }, expires_at = "2026-12-01" }))));
        Assert.Equal("deploy", (string?)padded["name"]);
        var users = await TestServer.Json(await server.GetAsync("/api/v4/users?per_page=100"));
        Assert.DoesNotContain(users.AsArray(), u => ((string)u!["name"]!).Length > 255 || ((string)u!["name"]!).Any(char.IsControl));
        Assert.Contains(users.AsArray(), u => (string?)u!["name"] == "deploy");
        var tokens = await TestServer.Json(await server.GetAsync("/api/v4/personal_access_tokens?user_id=1&per_page=100"));
        Assert.Equal(2, tokens.AsArray().Count);

        // A token stored before these rules keeps rotating: its successor takes its name and description as they are.
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
            await db.PersonalAccessTokens.Where(t => t.Id == (long)created["id"]!)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.Description, new string('d', 900 * 1024)).SetProperty(t => t.Name, "legacy\tname"));
        }

        var rotated = await TestServer.Json(await server.Client.SendAsync(Post($"/api/v4/personal_access_tokens/{created["id"]}/rotate", Json(new { }))));
        Assert.Equal("legacy\tname", (string?)rotated["name"]);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task User_names_and_emails_keep_to_gitlabs_limits(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        async Task<HttpResponseMessage> CreateAsync(string username, string name, string email) =>
            await server.Client.SendAsync(Post("/api/v4/users", Form(("username", username), ("name", name), ("email", email))));

        await Expect.BodyAsync(await CreateAsync("big", new string('N', 3 * 1024 * 1024), "big@example.com"),
            400, """{"message":{"name":["is too long (maximum is 255 characters)"]}}""");
        await Expect.BodyAsync(await CreateAsync("tab", "Tab\tName", "tab@example.com"),
            400, """{"message":{"name":["can't contain control characters"]}}""");
        foreach (var email in new[] { "no-at.example.com", "two@@example.com", "sp ace@example.com", "@example.com", "x@", new string('e', 250) + "@example.com" })
        {
            await Expect.BodyAsync(await CreateAsync("mail", "Mail", email), 400, """{"message":{"email":["is invalid"]}}""");
        }

        await Expect.StatusAsync(await CreateAsync(new string('u', 256), "Long", "long@example.com"), 400);

        // GitLab turns markup in a name into dashes.
        var created = await TestServer.Json(await CreateAsync("bob", "<b>Bob</b> <script>x", "bob@example.com"));
        Assert.Equal("-Bob- -x", (string?)created["name"]);

        var users = await TestServer.Json(await server.GetAsync("/api/v4/users?per_page=100"));
        Assert.Equal(["root", "bob"], users.AsArray().Select(u => (string)u!["username"]!));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Group_and_project_names_follow_gitlabs_patterns(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        await Expect.BodyAsync(await server.Client.SendAsync(Post("/api/v4/groups", Form(("name", "<img src=x>"), ("path", "img")))),
            400, """{"message":{"name":["can contain only letters, digits, emoji, '_', '.', dash, space, parenthesis. It must start with letter, digit, emoji or '_'."]}}""");
        await Expect.StatusAsync(await server.Client.SendAsync(Post("/api/v4/groups", Form(("name", new string('g', 256)), ("path", "long")))), 400);
        var group = await TestServer.Json(await server.Client.SendAsync(Post("/api/v4/groups", Form(("name", "Platform (EU) – ops 🚀"), ("path", "platform")))));
        Assert.Equal("Platform (EU) – ops 🚀", (string?)group["name"]);
        await Expect.StatusAsync(await server.Client.SendAsync(TestServer.Request(HttpMethod.Put, $"/api/v4/groups/{group["id"]}", content: Form(("name", ".hidden")))), 400);

        await Expect.BodyAsync(await server.Client.SendAsync(Post("/api/v4/projects", Form(("name", "api (v2)"), ("path", "api"), ("namespace_id", (string)group["id"]!.ToString()!)))),
            400, """{"message":{"name":["can contain only letters, digits, emoji, '_', '.', '+', dashes, or spaces. It must start with a letter, digit, emoji, or '_'."]}}""");
        var project = await TestServer.Json(await server.Client.SendAsync(Post("/api/v4/projects", Form(("name", "c++ tools"), ("path", "cpp"), ("namespace_id", group["id"]!.ToString())))));
        Assert.Equal("c++ tools", (string?)project["name"]);
        var groups = await TestServer.Json(await server.GetAsync("/api/v4/groups"));
        Assert.Single(groups.AsArray());
    }
}
