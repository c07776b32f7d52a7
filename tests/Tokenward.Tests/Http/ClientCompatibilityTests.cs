using System.Net.Http.Headers;
using System.Text;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Http;

/// <summary>What GitLab clients send and expect at the HTTP level, whatever the endpoint.</summary>
public class ClientCompatibilityTests
{
    public static TheoryData<string> BlankBodies => new() { string.Empty, " ", "\r\n\t " };

    [Theory]
    [MemberData(nameof(BlankBodies))]
    public async Task A_get_saying_json_with_a_blank_body_is_answered_normally(string body)
    {
        await using var server = await TestServer.StartAsync();
        var request = TestServer.Request(HttpMethod.Get, "/api/v4/personal_access_tokens?per_page=1");
        request.Content = new StringContent(body, Encoding.UTF8);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var response = await server.Client.SendAsync(request);
        await Expect.StatusAsync(response, 200);
        Assert.Equal("1", response.Headers.GetValues("x-per-page").Single());
    }

    [Fact]
    public async Task A_get_and_a_delete_saying_json_without_a_body_are_answered_normally()
    {
        await using var server = await TestServer.StartAsync();
        var userId = await server.CreateUserAsync("alice");
        var (tokenId, _) = await server.CreateTokenAsync(userId, ["api"]);

        // python-gitlab's list and delete calls: Content-Type set, no body, no Content-Length on GET.
        using var get = TestServer.Request(HttpMethod.Get, "/api/v4/users");
        get.Content = new ByteArrayContent([]);
        get.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        get.Content.Headers.ContentLength = null;
        await Expect.StatusAsync(await server.Client.SendAsync(get), 200);

        using var delete = TestServer.Request(HttpMethod.Delete, $"/api/v4/personal_access_tokens/{tokenId}");
        delete.Content = new ByteArrayContent([]);
        delete.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        await Expect.StatusAsync(await server.Client.SendAsync(delete), 204);
    }

    [Fact]
    public async Task A_json_body_is_still_read_and_a_broken_one_refused()
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.Client.SendAsync(TestServer.Request(HttpMethod.Post, "/api/v4/users/1/personal_access_tokens",
            content: new StringContent("  {\"name\":\"n\",\"scopes\":[\"api\"]}  ", Encoding.UTF8, "application/json")));
        await Expect.StatusAsync(response, 201);

        var broken = await server.Client.SendAsync(TestServer.Request(HttpMethod.Post, "/api/v4/users/1/personal_access_tokens",
            content: new StringContent("{\"name\":", Encoding.UTF8, "application/json")));
        await Expect.BodyAsync(broken, 400, """{"message":"400 Bad request - the request body is not valid JSON"}""");
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Json_answers_say_application_json_without_a_charset(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var ok = await server.GetAsync("/api/v4/user");
        var created = await server.PostJsonAsync("/api/v4/users/1/personal_access_tokens", new { name = "n", scopes = new[] { "api" } });
        var error = await server.GetAsync("/api/v4/user", token: null);
        var notFound = await server.GetAsync("/api/v4/no/such/route");
        var invalid = await server.PostJsonAsync("/api/v4/users/1/personal_access_tokens", new { name = "n" });
        foreach (var response in new[] { ok, created, error, notFound, invalid })
        {
            Assert.Equal("application/json", response.Content.Headers.ContentType?.ToString());
        }

        Assert.Equal([200, 201, 401, 404, 400], new[] { ok, created, error, notFound, invalid }.Select(r => (int)r.StatusCode));
    }
}
