using System.Text.Json.Nodes;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Toolkit;

public class TokenReportsApiTests
{
    private static async Task<HttpResponseMessage> OkAsync(TestServer server, string path)
    {
        var response = await server.GetAsync(path);
        await Expect.StatusAsync(response, 200);
        return response;
    }

    private static async Task<long[]> IdsAsync(TestServer server, string path) =>
        (await TestServer.Json(await OkAsync(server, path))).AsArray().Select(t => (long)t!["id"]!).Order().ToArray();

    [Fact]
    public async Task Reports_over_http_match_the_rules_and_page_like_the_api()
    {
        var data = await ToolkitData.CreateAsync(Tokenward.Storage.DatabaseEngine.Sqlite);
        await using var server = data.Server;

        Assert.Equal(data.ListedOnD.Order(), await IdsAsync(server, $"/api/v4/admin/tokens/expiring?on={ToolkitData.DText}&per_page=100"));
        Assert.Equal(new[] { data.SubToken, data.SvcToken }.Order(), await IdsAsync(server, $"/api/v4/admin/tokens/expiring?on={ToolkitData.DText}&group=team%2Fsub"));
        Assert.Equal(new[] { data.DayBefore, data.OnD, data.ImpersonationOnD, data.ReadApiOnD }.Order(), await IdsAsync(server, "/api/v4/admin/tokens/expiring?within=1m&user=alice"));
        Assert.Equal(new[] { data.OnD, data.DayAfter, data.ReadApiOnD }.Order(), await IdsAsync(server, "/api/v4/admin/tokens/expiring?within=1d&from=2026-07-01&kind=personal&user=alice"));
        Assert.Contains(data.BlockedNoExpiry, await IdsAsync(server, "/api/v4/admin/tokens/no_expiry?include_blocked=true&per_page=100"));
        Assert.DoesNotContain(data.BlockedNoExpiry, await IdsAsync(server, "/api/v4/admin/tokens/no_expiry?per_page=100"));

        var page = await OkAsync(server, $"/api/v4/admin/tokens/expiring?on={ToolkitData.DText}&per_page=3&page=2");
        Assert.Equal("7", page.Headers.GetValues("x-total").Single());
        Assert.Equal("3", page.Headers.GetValues("x-total-pages").Single());
        Assert.Equal("3", page.Headers.GetValues("x-next-page").Single());
        var second = (await TestServer.Json(page)).AsArray();
        Assert.Equal(3, second.Count);
        var team = (await TestServer.Json(await server.GetAsync($"/api/v4/admin/tokens/expiring?on={ToolkitData.DText}&kind=group&group=team"))).AsArray().Single(t => (long)t!["id"]! == data.TeamToken)!;
        Assert.Equal(("group", "group", data.Team, true, "2026-07-01"), ((string?)team["kind"], (string?)team["resource_type"], (long)team["resource_id"]!, (bool)team["expiry_backfilled"]!, (string?)team["expires_at"]));
        Assert.Equal(new JsonArray("read_api", "create_runner").ToJsonString(), team["scopes"]!.ToJsonString());

        var dates = (await TestServer.Json(await OkAsync(server, "/api/v4/admin/tokens/expiry_dates?top=2"))).AsArray();
        Assert.Equal(2, dates.Count);
        Assert.Equal(("2026-07-01", 7), ((string?)dates[0]!["expires_at"], (int)dates[0]!["count"]!));
    }

    [Fact]
    public async Task Bad_parameters_are_400_or_404_and_reports_are_for_admins_only()
    {
        var data = await ToolkitData.CreateAsync(Tokenward.Storage.DatabaseEngine.Sqlite);
        await using var server = data.Server;
        var (_, aliceToken) = await server.CreateTokenAsync(data.Alice, ["api"], "2026-12-01");

        await Expect.BodyAsync(await server.GetAsync("/api/v4/admin/tokens/expiring"), 400, """{"error":"on, within are mutually exclusive, exactly one parameter must be provided"}""");
        await Expect.StatusAsync(await server.GetAsync("/api/v4/admin/tokens/expiring?on=2026-07-01&within=1m"), 400);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/admin/tokens/expiring?within=soon"), 400);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/admin/tokens/expiring?on=July"), 400);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/admin/tokens/no_expiry?kind=robot"), 400);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/admin/tokens/expiry_dates?top=0"), 400);
        await Expect.BodyAsync(await server.GetAsync("/api/v4/admin/tokens/no_expiry?user=nobody"), 404, """{"message":"404 User Not Found"}""");
        await Expect.BodyAsync(await server.GetAsync("/api/v4/admin/tokens/no_expiry?group=nowhere"), 404, """{"message":"404 Group Not Found"}""");

        foreach (var path in new[] { "expiring?on=2026-07-01", "expiry_dates", "no_expiry" })
        {
            await Expect.StatusAsync(await server.GetAsync("/api/v4/admin/tokens/" + path, aliceToken), 403);
            await Expect.StatusAsync(await server.GetAsync("/api/v4/admin/tokens/" + path, null), 401);
        }
    }
}
