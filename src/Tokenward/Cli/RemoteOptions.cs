using System.CommandLine;

namespace Tokenward.Cli;

/// <summary>Where a command that talks to a running server finds it, and as whom.</summary>
public static class RemoteOptions
{
    public static readonly Option<string?> Url = new("--url")
    {
        Description = "Base URL of the server (or TOKENWARD_URL; default http://localhost:5000)",
    };

    public static readonly Option<string?> Token = new("--token")
    {
        Description = "An admin token (or TOKENWARD_TOKEN)",
    };

    /// <exception cref="CliException">when no token is given or the URL is not one.</exception>
    public static HttpClient Client(ParseResult result)
    {
        var url = result.GetValue(Url) ?? Environment.GetEnvironmentVariable("TOKENWARD_URL") ?? "http://localhost:5000";
        var token = result.GetValue(Token) ?? Environment.GetEnvironmentVariable("TOKENWARD_TOKEN");
        if (string.IsNullOrEmpty(token))
        {
            throw new CliException("an admin token is needed: --token or TOKENWARD_TOKEN.");
        }

        return Create(url, token, TimeSpan.FromSeconds(30));
    }

    /// <exception cref="CliException">when the URL is not an http(s) one.</exception>
    public static HttpClient Create(string url, string token, TimeSpan timeout)
    {
        if (!Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            throw new CliException($"--url must be an http(s) URL, not '{url}'.");
        }

        var client = new HttpClient { BaseAddress = baseUri, Timeout = timeout };
        client.DefaultRequestHeaders.Add("PRIVATE-TOKEN", token);
        return client;
    }

    /// <summary>Turns a refusal into a CLI error with the server's message.</summary>
    public static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            throw new CliException($"the server answered {(int)response.StatusCode}: {body}");
        }
    }
}
