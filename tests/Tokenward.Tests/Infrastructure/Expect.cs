using System.Text.Json.Nodes;

namespace Tokenward.Tests.Infrastructure;

public static class Expect
{
    /// <summary>Server logs by port, so an unexpected 500 shows its cause.</summary>
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<int, CapturingLoggerProvider> ServerLogs = new();

    /// <summary>Asserts the status and shows the body when it differs.</summary>
    public static async Task StatusAsync(HttpResponseMessage response, int status)
    {
        if ((int)response.StatusCode != status)
        {
            var body = await response.Content.ReadAsStringAsync();
            var serverLog = status != 500 && (int)response.StatusCode == 500 && ServerLogs.TryGetValue(response.RequestMessage?.RequestUri?.Port ?? 0, out var log)
                ? "\nServer log:\n" + string.Join('\n', log.Entries)
                : string.Empty;
            throw new Xunit.Sdk.XunitException($"Expected {status}, got {(int)response.StatusCode}: {body}{serverLog}");
        }
    }

    /// <summary>Asserts status and exact JSON body.</summary>
    public static async Task BodyAsync(HttpResponseMessage response, int status, string json)
    {
        await StatusAsync(response, status);
        var actual = JsonNode.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), actual), $"Expected {json}\nGot      {actual?.ToJsonString()}");
    }
}

public static class RequestExtensions
{
    public static HttpRequestMessage WithHeader(this HttpRequestMessage request, string name, string value)
    {
        request.Headers.Add(name, value);
        return request;
    }
}
