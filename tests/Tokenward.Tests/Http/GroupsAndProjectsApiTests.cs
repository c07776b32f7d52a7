using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Http;

public class GroupsAndProjectsApiTests
{
    internal static async Task<long> CreateGroupAsync(TestServer server, string name, long? parentId = null, string token = TestServer.RootToken)
    {
        var body = new Dictionary<string, object> { ["name"] = name, ["path"] = name };
        if (parentId is { } p)
        {
            body["parent_id"] = p;
        }

        var response = await server.PostJsonAsync("/api/v4/groups", body, token);
        await Expect.StatusAsync(response, 201);
        return (long)(await TestServer.Json(response))["id"]!;
    }

    internal static async Task<long> CreateProjectAsync(TestServer server, string name, long? namespaceId = null, string token = TestServer.RootToken)
    {
        var body = new Dictionary<string, object> { ["name"] = name };
        if (namespaceId is { } n)
        {
            body["namespace_id"] = n;
        }

        var response = await server.PostJsonAsync("/api/v4/projects", body, token);
        await Expect.StatusAsync(response, 201);
        return (long)(await TestServer.Json(response))["id"]!;
    }

    internal static async Task AddMemberAsync(TestServer server, string kind, long id, long userId, int level)
    {
        var response = await server.PostJsonAsync($"/api/v4/{kind}/{id}/members", new { user_id = userId, access_level = level });
        await Expect.StatusAsync(response, 201);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Groups_subgroups_and_projects_are_found_by_id_or_full_path(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var top = await CreateGroupAsync(server, "platform");
        var sub = await CreateGroupAsync(server, "infra", top);
        var project = await CreateProjectAsync(server, "deployer", sub);

        var group = await TestServer.Json(await server.GetAsync("/api/v4/groups/platform%2Finfra"));
        Assert.Equal(sub, (long)group["id"]!);
        Assert.Equal("platform/infra", (string?)group["full_path"]);
        Assert.Equal(top, (long)group["parent_id"]!);

        var byPath = await TestServer.Json(await server.GetAsync("/api/v4/projects/platform%2Finfra%2Fdeployer"));
        Assert.Equal(project, (long)byPath["id"]!);
        Assert.Equal("platform/infra/deployer", (string?)byPath["path_with_namespace"]);
        Assert.Equal("group", (string?)byPath["namespace"]!["kind"]);

        await Expect.BodyAsync(await server.GetAsync("/api/v4/groups/nope"), 404, """{"message":"404 Group Not Found"}""");
        await Expect.BodyAsync(await server.GetAsync("/api/v4/projects/platform%2Fnope"), 404, """{"message":"404 Project Not Found"}""");
        await Expect.StatusAsync(await server.PostJsonAsync("/api/v4/groups", new { name = "platform", path = "platform" }), 400);
        await Expect.BodyAsync(await server.PostJsonAsync("/api/v4/groups", new { path = "x" }), 400, """{"error":"name is missing"}""");
    }

    [Fact]
    public async Task Group_membership_applies_to_subgroups_and_projects_and_hides_the_rest()
    {
        await using var server = await TestServer.StartAsync();
        var top = await CreateGroupAsync(server, "platform");
        var sub = await CreateGroupAsync(server, "infra", top);
        var project = await CreateProjectAsync(server, "deployer", sub);
        var other = await CreateGroupAsync(server, "secret");
        var otherProject = await CreateProjectAsync(server, "hidden", other);
        var dev = await server.CreateUserAsync("dev");
        var (_, devToken) = await server.CreateTokenAsync(dev, ["api"]);
        await AddMemberAsync(server, "groups", top, dev, 30);

        await Expect.StatusAsync(await server.GetAsync($"/api/v4/groups/{sub}", devToken), 200);
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/projects/{project}", devToken), 200);
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/groups/{other}", devToken), 404);
        await Expect.StatusAsync(await server.GetAsync($"/api/v4/projects/{otherProject}", devToken), 404);

        var groups = await TestServer.Json(await server.GetAsync("/api/v4/groups", devToken));
        Assert.Equal(new[] { top, sub }, groups.AsArray().Select(g => (long)g!["id"]!).Order());
        var projects = await TestServer.Json(await server.GetAsync("/api/v4/projects", devToken));
        Assert.Equal(project, (long)Assert.Single(projects.AsArray())!["id"]!);

        // A developer may not create projects in the group or manage its members.
        await Expect.StatusAsync(await server.PostJsonAsync("/api/v4/projects", new { name = "new", namespace_id = sub }, devToken), 403);
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/groups/{top}/members", new { user_id = 1, access_level = 10 }, devToken), 403);
        // Their own namespace is theirs.
        await Expect.StatusAsync(await server.PostJsonAsync("/api/v4/projects", new { name = "mine" }, devToken), 201);
    }

    [Fact]
    public async Task Members_are_listed_added_and_removed_with_gitlabs_rules()
    {
        await using var server = await TestServer.StartAsync();
        var project = await CreateProjectAsync(server, "app");
        var maintainer = await server.CreateUserAsync("maint");
        var (_, maintToken) = await server.CreateTokenAsync(maintainer, ["api"]);
        var dev = await server.CreateUserAsync("dev");
        await AddMemberAsync(server, "projects", project, maintainer, 40);

        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/members", new { user_id = dev, access_level = 30 }, maintToken), 201);
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/members", new { user_id = 1, access_level = 50 }, maintToken), 403);
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/members", new { user_id = dev, access_level = 30 }), 409, """{"message":"Member already exists"}""");
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/members", new { user_id = dev, access_level = 35 }), 400, """{"error":"access_level does not have a valid value"}""");
        await Expect.BodyAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/members", new { user_id = 999, access_level = 30 }), 404, """{"message":"404 User Not Found"}""");

        var members = await TestServer.Json(await server.GetAsync($"/api/v4/projects/{project}/members", maintToken));
        Assert.Equal(new[] { "maint", "dev" }, members.AsArray().Select(m => (string)m!["username"]!));
        Assert.Equal(30, (int)members[1]!["access_level"]!);

        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/projects/{project}/members/{dev}", maintToken), 204);
        await Expect.BodyAsync(await server.DeleteAsync($"/api/v4/projects/{project}/members/{dev}"), 404, """{"message":"404 Member Not Found"}""");
    }
}
