using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Tokenward.Hosting;
using Tokenward.Storage;

namespace Tokenward.Tests.Infrastructure;

/// <summary>
/// A real Tokenward on a real Kestrel at 127.0.0.1 (free port), with a fresh database of the given
/// engine, its own data and log folders, and a fake clock. Each test starts its own.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    public const string RootToken = "root-token-for-tests-0123456789";

    /// <summary>10:00 UTC on a known day, so expiry dates in tests are plain to read.</summary>
    public static readonly DateTimeOffset Start = new(2026, 6, 1, 10, 0, 0, TimeSpan.Zero);

    private readonly WebApplication _app;

    private TestServer(WebApplication app, FakeTimeProvider clock, TokenwardSettings settings, string dir)
    {
        _app = app;
        Clock = clock;
        Settings = settings;
        Dir = dir;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
        Client = new HttpClient { BaseAddress = BaseAddress };
        Expect.ServerLogs[BaseAddress.Port] = (CapturingLoggerProvider)app.Services.GetServices<ILoggerProvider>().First(p => p is CapturingLoggerProvider);
    }

    public FakeTimeProvider Clock { get; }

    /// <summary>The server's own warnings and errors (not api_json.log).</summary>
    public CapturingLoggerProvider ServerLog => Expect.ServerLogs[BaseAddress.Port];

    public TokenwardSettings Settings { get; }

    public string Dir { get; }

    public Uri BaseAddress { get; }

    /// <summary>A client with no credentials; pass tokens per request.</summary>
    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public string LogPath => Path.Combine(Settings.LogDir, ApiLog.ApiJsonLog.FileName);

    /// <summary>The instance secret as <c>TOKENWARD_SECRET</c> takes it: what another server on the same database needs (see <see cref="SecretCheck"/>).</summary>
    public string SecretValue => Settings.Secret ?? Convert.ToBase64String(InstanceSecret.Load(Settings, create: false));

    public static async Task<TestServer> StartAsync(DatabaseEngine engine = DatabaseEngine.Sqlite, Func<TokenwardSettings, TokenwardSettings>? configure = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "tokenward-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        var settings = new TokenwardSettings
        {
            DataDir = dir,
            Database = Engines.Fresh(engine, dir),
            LogDir = Path.Combine(dir, "log"),
            InitialRootToken = RootToken,
        };
        settings = configure?.Invoke(settings) ?? settings;
        var clock = new FakeTimeProvider(Start);
        var log = new CapturingLoggerProvider();
        var app = TokenwardApp.Build(settings, clock, ["http://127.0.0.1:0"], logging =>
        {
            logging.ClearProviders();
            logging.AddProvider(log);
        });
        await TokenwardApp.PrepareAsync(app.Services, CancellationToken.None);
        await app.StartAsync();
        return new TestServer(app, clock, settings, dir);
    }

    public static HttpRequestMessage Request(HttpMethod method, string path, string? token = RootToken, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (token is not null)
        {
            request.Headers.Add("PRIVATE-TOKEN", token);
        }

        return request;
    }

    public Task<HttpResponseMessage> GetAsync(string path, string? token = RootToken) =>
        Client.SendAsync(Request(HttpMethod.Get, path, token));

    public Task<HttpResponseMessage> DeleteAsync(string path, string? token = RootToken) =>
        Client.SendAsync(Request(HttpMethod.Delete, path, token));

    public Task<HttpResponseMessage> PostJsonAsync(string path, object body, string? token = RootToken) =>
        Client.SendAsync(Request(HttpMethod.Post, path, token, JsonContent.Create(body)));

    public Task<HttpResponseMessage> PostFormAsync(string path, IEnumerable<KeyValuePair<string, string>> form, string? token = RootToken) =>
        Client.SendAsync(Request(HttpMethod.Post, path, token, new FormUrlEncodedContent(form)));

    /// <summary>Creates a user through the API as root and returns its id.</summary>
    public async Task<long> CreateUserAsync(string username, bool admin = false)
    {
        var response = await PostJsonAsync("/api/v4/users", new { username, email = $"{username}@example.com", name = username, admin });
        await Expect.StatusAsync(response, 201);
        return (await Json(response))["id"]!.GetValue<long>();
    }

    /// <summary>Creates a token for a user through the admin API and returns its id and value.</summary>
    public async Task<(long Id, string Token)> CreateTokenAsync(long userId, string[] scopes, string? expiresAt = null, string name = "test token")
    {
        var body = new Dictionary<string, object> { ["name"] = name, ["scopes"] = scopes };
        if (expiresAt is not null)
        {
            body["expires_at"] = expiresAt;
        }

        var response = await PostJsonAsync($"/api/v4/users/{userId}/personal_access_tokens", body);
        await Expect.StatusAsync(response, 201);
        var json = await Json(response);
        return (json["id"]!.GetValue<long>(), json["token"]!.GetValue<string>());
    }

    public static async Task<JsonNode> Json(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("empty body");

    /// <summary>Waits (the log is written in the background) until a line matches, and returns it.</summary>
    public async Task<JsonObject> LogLineAsync(Func<JsonObject, bool> match)
    {
        var deadline = Deadline.InSeconds(10);
        while (true)
        {
            foreach (var line in ReadLogLines())
            {
                if (match(line))
                {
                    return line;
                }
            }

            if (deadline.Passed)
            {
                throw new Xunit.Sdk.XunitException($"No api_json.log line matched; the log has:\n{string.Join('\n', ReadLogLines())}");
            }

            await Task.Delay(25);
        }
    }

    public List<JsonObject> ReadLogLines()
    {
        if (!File.Exists(LogPath))
        {
            return [];
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var lines = new List<JsonObject>();
        while (reader.ReadLine() is { } line)
        {
            // A line being written may be incomplete; only whole lines count.
            try
            {
                if (JsonNode.Parse(line) is JsonObject o)
                {
                    lines.Add(o);
                }
            }
            catch (JsonException)
            {
            }
        }

        return lines;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (Settings.Database.Engine == DatabaseEngine.Postgres)
        {
            // The pool's idle connections would stay for minutes after the server; a whole run of
            // servers, each on its own database, would fill PostgreSQL's connection slots.
            using var connection = new Npgsql.NpgsqlConnection(Settings.Database.ConnectionString);
            Npgsql.NpgsqlConnection.ClearPool(connection);
        }

        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
