using System.Net.Http.Headers;
using System.Text;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Http;

/// <summary>Malformed requests get a 400 with a GitLab-style body, never a 500; and the headers a token service sends.</summary>
public class MalformedInputTests
{
    private static HttpRequestMessage Post(string path, HttpContent content) => TestServer.Request(HttpMethod.Post, path, content: content);

    public static TheoryData<string, DatabaseEngine> Bodies()
    {
        var data = new TheoryData<string, DatabaseEngine>();
        foreach (var engine in new[] { DatabaseEngine.Sqlite, DatabaseEngine.Postgres })
        {
            data.Add("invalid utf-8", engine);
            data.Add("lone surrogate", engine);
            data.Add("nul in json", engine);
            data.Add("nul in form", engine);
            data.Add("multipart without boundary", engine);
            data.Add("multipart with a wrong boundary", engine);
            data.Add("too many form keys", engine);
            data.Add("form value over 4 MB", engine);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task A_malformed_body_is_a_400_and_stores_nothing(string kind, DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        const string path = "/api/v4/users/1/personal_access_tokens";
        HttpContent content = kind switch
        {
            "invalid utf-8" => Bytes([.. "{\"name\":\""u8, 0xC3, 0x28, .. "\",\"scopes\":[\"api\"]}"u8], "application/json"),
            "lone surrogate" => new StringContent("{\"name\":\"\\ud800\",\"scopes\":[\"api\"]}", Encoding.UTF8, "application/json"),
            "nul in json" => new StringContent("{\"name\":\"a\\u0000b\",\"scopes\":[\"api\"]}", Encoding.UTF8, "application/json"),
            "nul in form" => new StringContent("name=a%00b&scopes[]=api", Encoding.ASCII, "application/x-www-form-urlencoded"),
            "multipart without boundary" => Bytes("--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nn\r\n--x--\r\n"u8.ToArray(), "multipart/form-data"),
            "multipart with a wrong boundary" => Bytes("--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nn\r\n--x--\r\n"u8.ToArray(), "multipart/form-data; boundary=y"),
            "too many form keys" => new StringContent(string.Join('&', Enumerable.Range(0, 1100).Select(i => $"k{i}=v")) + "&name=n&scopes[]=api", Encoding.ASCII, "application/x-www-form-urlencoded"),
            _ => new StringContent("scopes[]=api&name=" + new string('n', 4 * 1024 * 1024 + 10), Encoding.ASCII, "application/x-www-form-urlencoded"),
        };
        using var response = await server.Client.SendAsync(Post(path, content));
        await Expect.StatusAsync(response, 400);
        var body = await TestServer.Json(response);
        Assert.True(body["message"] is not null || body["error"] is not null, body.ToJsonString());
        var tokens = await TestServer.Json(await server.GetAsync("/api/v4/personal_access_tokens?user_id=1"));
        Assert.Single(tokens.AsArray()); // root's own, nothing new
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Nul_in_query_parameters_and_a_date_out_of_range_are_400(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/personal_access_tokens?search=%00"), 400);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/users?username=a%00"), 400);
        var sudo = TestServer.Request(HttpMethod.Get, "/api/v4/user?sudo=%00");
        await Expect.StatusAsync(await server.Client.SendAsync(sudo), 400);
        await Expect.BodyAsync(await server.GetAsync("/api/v4/admin/tokens/expiring?within=1y&from=9999-12-31"), 400,
            """{"error":"from is invalid: the period would end after 9999-12-31"}""");
    }

    [Fact]
    public async Task Responses_carry_the_headers_of_a_token_service()
    {
        await using var server = await TestServer.StartAsync();
        var created = await server.PostJsonAsync("/api/v4/users/1/personal_access_tokens", new { name = "n", scopes = new[] { "api" } });
        await Expect.StatusAsync(created, 201);
        Assert.Equal("no-store", created.Headers.CacheControl?.ToString());
        Assert.Equal("nosniff", created.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.False(created.Headers.Contains("Server"));

        var error = await server.GetAsync("/api/v4/user", "glpat-not-a-token-0123456789abcdef");
        await Expect.StatusAsync(error, 401);
        Assert.Single(error.Headers.GetValues("X-Request-Id"));
        Assert.Equal("nosniff", error.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.False(error.Headers.Contains("Server"));

        // A plain read has no secret in it and may be cached by the client as usual.
        var read = await server.GetAsync("/api/v4/user");
        Assert.Null(read.Headers.CacheControl);
    }

    private static ByteArrayContent Bytes(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }
}
