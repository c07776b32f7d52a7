using System.Net;
using System.Text.Json.Nodes;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Cli;

public sealed class CliTests : TempDir
{
    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Create_token_prints_a_token_that_authenticates(DatabaseEngine engine)
    {
        var database = engine == DatabaseEngine.Postgres ? ["--database", Engines.Fresh(engine, Dir).ConnectionString] : Array.Empty<string>();
        // Before the server has made the database there is none to add a token to: a clear error, and none is made.
        var none = await TokenwardProcess.RunAsync(null, ["users", "create-token", "root", "--name", "n", "--scopes", "api", "--data-dir", Dir, .. database]);
        Assert.Equal(1, none.ExitCode);
        Assert.Contains(engine == DatabaseEngine.Sqlite ? "no Tokenward database at" : "has no Tokenward schema", none.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(DatabaseTarget.SqliteFile(Dir)));

        await using var server = await StartOnAsync(engine, database);
        // The child process runs on the real clock, so the date is relative to today.
        var inAMonth = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime).AddDays(30).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var result = await TokenwardProcess.RunAsync(null, [
            "users", "create-token", "root", "--name", "automation", "--scopes", "api,read_user", "--expires-at", inAMonth,
            "--data-dir", Dir, .. database,
        ]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        var token = result.Stdout.Trim();
        Assert.StartsWith("glpat-", token, StringComparison.Ordinal);
        Assert.Contains("automation", result.Stderr, StringComparison.Ordinal);
        // A date beyond the maximum lifetime is refused even from the CLI.
        Assert.Contains("expires_at", (await TokenwardProcess.RunAsync(null, ["users", "create-token", "root", "--name", "n", "--scopes", "api", "--expires-at", "2099-01-01", "--data-dir", Dir, .. database])).Stderr, StringComparison.Ordinal);

        using var client = new HttpClient();
        client.DefaultRequestHeaders.Add("PRIVATE-TOKEN", token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri(server.Url, "/api/v4/user"))).StatusCode);
    }

    [Fact]
    public async Task Create_token_takes_an_explicit_value_and_prints_json()
    {
        await using var server = await StartOnAsync(DatabaseEngine.Sqlite, []);
        var value = "my-chosen-token-value-0001";
        var result = await TokenwardProcess.RunAsync(null, ["users", "create-token", "root", "--name", "set", "--scopes", "read_api", "--value", value, "--format", "json", "--data-dir", Dir]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        var json = JsonNode.Parse(result.Stdout)!;
        Assert.Equal(value, (string?)json["token"]);
        Assert.Equal("read_api", (string?)json["scopes"]![0]);

        using var client = new HttpClient();
        client.DefaultRequestHeaders.Add("PRIVATE-TOKEN", value);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri(server.Url, "/api/v4/personal_access_tokens/self"))).StatusCode);

        var duplicate = await TokenwardProcess.RunAsync(null, ["users", "create-token", "root", "--name", "again", "--scopes", "api", "--value", value, "--data-dir", Dir]);
        Assert.Equal(1, duplicate.ExitCode);
        Assert.Contains("already been taken", duplicate.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nobody", "--scopes", "api", "No user 'nobody'")]
    [InlineData("root", "--scopes", "api,everything", "unknown scope 'everything'")]
    [InlineData("root", "--expires-at", "31/12/2030", "--expires-at must be a date")]
    [InlineData("root", "--value", "short", "too short")]
    public async Task Bad_create_token_input_exits_non_zero_with_a_message(string user, string option, string value, string message)
    {
        await using var server = await StartOnAsync(DatabaseEngine.Sqlite, []);
        string[] args = option == "--scopes"
            ? ["users", "create-token", user, "--name", "n", "--scopes", value, "--data-dir", Dir]
            : ["users", "create-token", user, "--name", "n", "--scopes", "api", option, value, "--data-dir", Dir];
        var result = await TokenwardProcess.RunAsync(null, args);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_database_option_is_a_clear_error()
    {
        var result = await TokenwardProcess.RunAsync(null, ["users", "create-token", "root", "--name", "n", "--scopes", "api", "--database", "postgres://", "--data-dir", Dir]);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--database", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_prints_the_generated_root_token_once()
    {
        var first = await ServeBrieflyAsync();
        var token = first.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("glpat-", StringComparison.Ordinal));
        Assert.Contains("shown this once", first, StringComparison.Ordinal);
        var second = await ServeBrieflyAsync();
        Assert.DoesNotContain(token, second, StringComparison.Ordinal);
        Assert.DoesNotContain("glpat-", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notify_sends_due_notices_once()
    {
        await using var smtp = new SmtpSink();
        await using (await StartOnAsync(DatabaseEngine.Sqlite, []))
        {
        }

        var inFive = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime).AddDays(5).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, (await TokenwardProcess.RunAsync(null, ["users", "create-token", "root", "--name", "soon", "--scopes", "api", "--expires-at", inFive, "--data-dir", Dir])).ExitCode);
        var env = new Dictionary<string, string>
        {
            ["TOKENWARD_SMTP_HOST"] = "127.0.0.1",
            ["TOKENWARD_SMTP_PORT"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["TOKENWARD_SMTP_SECURITY"] = "none",
        };
        // The links in a notice must be absolute, and a CLI run has no server address of its own.
        var noUrl = await TokenwardProcess.RunAsync(env, "notify", "--data-dir", Dir);
        Assert.Equal(1, noUrl.ExitCode);
        Assert.Contains("set TOKENWARD_EXTERNAL_URL", noUrl.Stderr, StringComparison.Ordinal);
        env["TOKENWARD_EXTERNAL_URL"] = "https://tokens.example.com";
        var first = await TokenwardProcess.RunAsync(env, "notify", "--format", "json", "--data-dir", Dir);
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Equal(1, (int)JsonNode.Parse(first.Stdout)!["7d"]!);
        var second = await TokenwardProcess.RunAsync(env, "notify", "--data-dir", Dir);
        Assert.Contains("7d: 0", second.Stdout, StringComparison.Ordinal);
        var mail = Assert.Single(smtp.Messages);
        Assert.Equal(["admin@example.com"], mail.To);
        Assert.Contains("https://tokens.example.com/-/user_settings/personal_access_tokens", mail.Data, StringComparison.Ordinal);

        var none = await TokenwardProcess.RunAsync(null, "notify", "--data-dir", Dir);
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("no channel is configured", none.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sighup_reopens_a_moved_api_log()
    {
        await using var server = await StartOnAsync(DatabaseEngine.Sqlite, []);
        using var client = new HttpClient();
        var log = Path.Combine(Dir, "log", "api_json.log");
        await client.GetAsync(new Uri(server.Url, "/api/v4/users/1"));
        await WaitForAsync(() => File.Exists(log) && File.ReadAllText(log).Contains("/api/v4/users/1", StringComparison.Ordinal));

        File.Move(log, log + ".1");
        server.Signal("HUP");
        await Task.Delay(200);
        await client.GetAsync(new Uri(server.Url, "/api/v4/users/2"));
        await WaitForAsync(() => File.Exists(log) && File.ReadAllText(log).Contains("/api/v4/users/2", StringComparison.Ordinal));
        Assert.DoesNotContain("/api/v4/users/2", await File.ReadAllTextAsync(log + ".1"), StringComparison.Ordinal);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = Deadline.InSeconds(10);
        while (!condition())
        {
            Assert.True(!deadline.Passed, "timed out waiting for the log");
            await Task.Delay(50);
        }
    }

    /// <summary>Starts <c>tokenward serve</c>, waits until it answers, and stops it; returns its standard output.</summary>
    private async Task<string> ServeBrieflyAsync()
    {
        await using var server = await StartOnAsync(DatabaseEngine.Sqlite, [], initialRootToken: null);
        return await server.StopAsync();
    }

    private async Task<ServeProcess> StartOnAsync(DatabaseEngine engine, string[] database, string? initialRootToken = TestServer.RootToken)
    {
        var port = Ports.Free();
        var env = new Dictionary<string, string>();
        if (initialRootToken is not null)
        {
            env["TOKENWARD_INITIAL_ROOT_TOKEN"] = initialRootToken;
        }

        return await ServeProcess.StartAsync(env, ["serve", "--urls", $"http://127.0.0.1:{port}", "--data-dir", Dir, .. database], new Uri($"http://127.0.0.1:{port}"));
    }
}
