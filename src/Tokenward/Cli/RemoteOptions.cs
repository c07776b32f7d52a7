using System.CommandLine;
using Tokenward.Toolkit.Remote;

namespace Tokenward.Cli;

/// <summary>
/// Where a command that talks to a running server finds it, and as whom: <c>--url</c> and
/// <c>--token</c>, or <c>TOKENWARD_URL</c> and <c>TOKENWARD_TOKEN</c>, the same pair for every
/// command (bans, the token toolkit, the log analysis).
/// </summary>
public static class RemoteOptions
{
    public static readonly string UrlVariable = Hosting.SettingsCatalog.Url.Variable;

    private static readonly string TokenVariable = Hosting.SettingsCatalog.Token.Variable;

    public static readonly Option<string?> Url = new("--url")
    {
        Description = $"Base URL of a Tokenward or GitLab server, with or without /api/v4 (or {UrlVariable})",
    };

    public static readonly Option<string?> Token = new("--token")
    {
        Description = $"An administrator's token for that server (or {TokenVariable})",
    };

    /// <summary>Whether only the variable earlier releases read for some commands names a server.</summary>
    public static bool OnlyOldVariable(ParseResult result) =>
        !GlobalOptions.Configuration(result).IsSet(Hosting.SettingsCatalog.Url) && Environment.GetEnvironmentVariable("GITLAB_URL") is { Length: > 0 };

    /// <summary>The URL given, or null when neither the option nor the variable names one.</summary>
    public static string? GivenUrl(ParseResult result)
    {
        var url = GlobalOptions.Configuration(result).Get(Hosting.SettingsCatalog.Url);
        if (OnlyOldVariable(result))
        {
            // Earlier releases read it for some commands: say why this run works on the database instead.
            Console.Error.WriteLine($"tokenward: warning: GITLAB_URL is not read; for a remote server use --url or {UrlVariable} (and --token or {TokenVariable}). Working on the database.");
        }

        return url;
    }

    /// <summary>A client of the server named, or of http://localhost:5000 when none is: for commands that only work remotely.</summary>
    /// <exception cref="CliException">when no token is given or the URL is not one.</exception>
    public static HttpClient Client(ParseResult result) =>
        Create(GivenUrl(result) ?? "http://localhost:5000", RequiredToken(result), TimeSpan.FromSeconds(30));

    /// <summary>The remote API named by <c>--url</c> or <c>TOKENWARD_URL</c>, or null to work on the database.</summary>
    /// <exception cref="CliException">when a URL is given without a token, or is not a URL.</exception>
    public static GitLabApi? Api(ParseResult result) => Api(result, TimeSpan.FromSeconds(60));

    /// <inheritdoc cref="Api(ParseResult)"/>
    public static GitLabApi? Api(ParseResult result, TimeSpan timeout) =>
        GivenUrl(result) is { } url ? new GitLabApi(Create(url, RequiredToken(result), timeout), Console.Error) : null;

    /// <summary>
    /// A client whose base address is the server's root: a URL ending in <c>/api/v4</c> (as GitLab
    /// clients are often configured) means the same server.
    /// </summary>
    /// <exception cref="CliException">when the URL is not an http(s) one.</exception>
    public static HttpClient Create(string url, string token, TimeSpan timeout)
    {
        var root = url.TrimEnd('/');
        if (root.EndsWith("/api/v4", StringComparison.OrdinalIgnoreCase))
        {
            root = root[..^"/api/v4".Length];
        }

        if (!Uri.TryCreate(root + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https") || baseUri.Query.Length > 0)
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

    private static string RequiredToken(ParseResult result) =>
        GlobalOptions.Configuration(result).Get(Hosting.SettingsCatalog.Token)
        ?? throw new CliException($"an administrator's token is needed for the server: --token or {TokenVariable}.");
}
