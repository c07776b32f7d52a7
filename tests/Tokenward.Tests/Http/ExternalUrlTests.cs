using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Http;

/// <summary>Links and web_url come from the configured external URL, or the address the server listens on; never from the request's Host.</summary>
public class ExternalUrlTests
{
    private static HttpRequestMessage WithHost(string path, string host)
    {
        var request = TestServer.Request(HttpMethod.Get, path);
        request.Headers.Host = host;
        return request;
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_forged_host_header_is_not_reflected_into_links(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        await server.CreateUserAsync("alice");
        using var response = await server.Client.SendAsync(WithHost("/api/v4/users?per_page=1", "evil.example"));
        await Expect.StatusAsync(response, 200);
        var link = string.Join(",", response.Headers.GetValues("link"));
        Assert.DoesNotContain("evil.example", link, StringComparison.Ordinal);
        Assert.Contains($"<{server.BaseAddress.GetLeftPart(UriPartial.Authority)}/api/v4/users?page=2&per_page=1>; rel=\"next\"", link, StringComparison.Ordinal);
        var users = await TestServer.Json(response);
        Assert.StartsWith(server.BaseAddress.GetLeftPart(UriPartial.Authority) + "/", (string)users[0]!["web_url"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_openapi_document_names_the_external_url_as_its_server_whatever_the_host()
    {
        await using var server = await TestServer.StartAsync(configure: s => s with { ExternalUrl = "https://tokens.example.com" });
        using var response = await server.Client.SendAsync(WithHost("/api/v4/openapi.json", "evil.example"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("evil.example", body, StringComparison.Ordinal);
        Assert.Equal("https://tokens.example.com/", (string?)System.Text.Json.Nodes.JsonNode.Parse(body)!["servers"]![0]!["url"]);
    }

    [Fact]
    public async Task The_configured_external_url_is_used_for_every_link()
    {
        await using var server = await TestServer.StartAsync(configure: s => s with { ExternalUrl = "https://tokens.example.com/gitlab" });
        await server.CreateUserAsync("alice");
        using var response = await server.Client.SendAsync(WithHost("/api/v4/users?per_page=1", "evil.example"));
        var link = string.Join(",", response.Headers.GetValues("link"));
        Assert.Contains("<https://tokens.example.com/gitlab/api/v4/users?page=2&per_page=1>; rel=\"next\"", link, StringComparison.Ordinal);
        var users = await TestServer.Json(response);
        Assert.Equal("https://tokens.example.com/gitlab/root", (string?)users[0]!["web_url"]);
        var group = await TestServer.Json(await server.Client.SendAsync(TestServer.Request(HttpMethod.Post, "/api/v4/groups", content: new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = "Team", ["path"] = "team" }))));
        Assert.Equal("https://tokens.example.com/gitlab/groups/team", (string?)group["web_url"]);
    }
}
