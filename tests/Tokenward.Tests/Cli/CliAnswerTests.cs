using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Cli;

/// <summary>
/// The CLI as a hurried admin meets it: a mistyped data folder, a busy port, dates written
/// every way, a change with nothing to change. One line, the right exit code, never a false
/// all-clear.
/// </summary>
public sealed class CliAnswerTests : TempDir
{
    private static readonly string RealToday = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static TheoryData<string[]> ReadOnlyCommands => new()
    {
        new[] { "tokens", "expiring", "--within", "7d" },
        new[] { "tokens", "no-expiry" },
        new[] { "tokens", "expiry-dates" },
        new[] { "tokens", "extend", "--expiring-on", "2099-01-01" },
        new[] { "tokens", "revoke-blocked" },
        new[] { "audit", "list" },
        new[] { "settings", "show" },
        new[] { "users", "create-token", "root", "--name", "n", "--scopes", "api" },
    };

    [Theory]
    [MemberData(nameof(ReadOnlyCommands))]
    public async Task Commands_refuse_a_data_folder_without_a_database_and_create_none(string[] command)
    {
        var missing = Path.Combine(Dir, "mistyped");
        var result = await TokenwardProcess.RunAsync(null, [.. command, "--data-dir", missing]);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"tokenward: no Tokenward database at {missing}/tokenward.sqlite3: check --data-dir (or TOKENWARD_DATA_DIR); only 'tokenward serve' or 'tokenward init' creates one.\n", result.Stderr);
        Assert.Equal(string.Empty, result.Stdout);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public async Task Commands_refuse_a_postgres_database_without_the_schema_until_init_makes_it()
    {
        var database = Engines.Fresh(DatabaseEngine.Postgres, Dir).ConnectionString;
        var report = await TokenwardProcess.RunAsync(null, ["tokens", "no-expiry", "--database", database, "--data-dir", Dir]);
        Assert.Equal(1, report.ExitCode);
        Assert.Contains("has no Tokenward schema: check --database", report.Stderr, StringComparison.Ordinal);
        Assert.Single(report.Stderr.TrimEnd('\n').Split('\n'));

        var init = await TokenwardProcess.RunAsync(null, ["init", "--database", database, "--data-dir", Dir]);
        Assert.True(init.ExitCode == 0, init.Stderr);
        Assert.StartsWith("glpat-", init.Stdout, StringComparison.Ordinal);
        var again = await TokenwardProcess.RunAsync(null, ["init", "--database", database, "--data-dir", Dir]);
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(string.Empty, again.Stdout);
        var after = await TokenwardProcess.RunAsync(null, ["tokens", "no-expiry", "--database", database, "--data-dir", Dir]);
        Assert.True(after.ExitCode == 0, after.Stderr);
    }

    [Fact]
    public async Task Every_command_takes_the_same_formats_and_the_same_remote_pair()
    {
        await using var server = await TestServer.StartAsync();
        string[] data = ["--data-dir", server.Dir];
        var notify = await TokenwardProcess.RunAsync(new Dictionary<string, string> { ["TOKENWARD_WEBHOOK_URLS"] = "http://127.0.0.1:9/hook", ["TOKENWARD_EXTERNAL_URL"] = "https://tokens.example.com" }, ["notify", "--format", "csv", .. data]);
        Assert.True(notify.ExitCode == 0, notify.Stderr);
        Assert.StartsWith("notice,sent\n", notify.Stdout, StringComparison.Ordinal);
        var backfill = await TokenwardProcess.RunAsync(null, ["tokens", "backfill-expiry", "--dry-run", "--format", "csv", .. data]);
        Assert.StartsWith("kind,tokens\npersonal,", backfill.Stdout, StringComparison.Ordinal);

        // A format that would fail after the token is made is refused before: the token is shown once.
        var lines = await TokenwardProcess.RunAsync(null, ["users", "create-token", "root", "--name", "n", "--scopes", "api", "--format", "lines", .. data]);
        Assert.Equal(1, lines.ExitCode);
        Assert.Single((await TestServer.Json(await server.GetAsync("/api/v4/personal_access_tokens?user_id=1"))).AsArray());
        var csv = await TokenwardProcess.RunAsync(null, ["users", "create-token", "root", "--name", "n", "--scopes", "api", "--format", "csv", .. data]);
        Assert.Matches(@"^id,name,username,scopes,expires_at,token\n\d+,n,root,api,\d{4}-\d\d-\d\d,root-token|^id,name,username,scopes,expires_at,token\n\d+,n,root,api,\d{4}-\d\d-\d\d,glpat-", csv.Stdout);

        // The old variable of some commands is not read, and says so rather than silently working on the database.
        var old = await TokenwardProcess.RunAsync(new Dictionary<string, string> { ["GITLAB_URL"] = server.BaseAddress.ToString() }, ["tokens", "no-expiry", .. data]);
        Assert.Equal(0, old.ExitCode);
        Assert.Contains("GITLAB_URL is not read; for a remote server use --url or TOKENWARD_URL", old.Stderr, StringComparison.Ordinal);
        var bans = await TokenwardProcess.RunAsync(new Dictionary<string, string> { ["TOKENWARD_URL"] = server.BaseAddress + "api/v4/", ["TOKENWARD_TOKEN"] = TestServer.RootToken }, ["bans", "list", "--format", "csv"]);
        Assert.True(bans.ExitCode == 0, bans.Stderr);
        Assert.Equal("IP,BANNED AT (UTC),UNTIL (UTC),FAILURES\n", bans.Stdout);
    }

    [Fact]
    public async Task Commands_refuse_to_make_a_new_secret_beside_a_database_that_has_one()
    {
        var database = Engines.Fresh(DatabaseEngine.Postgres, Dir).ConnectionString;
        var serverDir = Path.Combine(Dir, "server");
        Assert.Equal(0, (await TokenwardProcess.RunAsync(null, ["init", "--database", database, "--data-dir", serverDir])).ExitCode);

        // Run from elsewhere, without the server's secrets.json: a token made here would never authenticate.
        var elsewhere = Path.Combine(Dir, "elsewhere");
        var recovery = await TokenwardProcess.RunAsync(null, ["users", "create-token", "root", "--name", "recovery", "--scopes", "api", "--database", database, "--data-dir", elsewhere]);
        Assert.Equal(1, recovery.ExitCode);
        Assert.Contains("no " + elsewhere + "/secrets.json and no TOKENWARD_SECRET", recovery.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, recovery.Stdout);
        Assert.False(Directory.Exists(elsewhere));

        var withSecret = await TokenwardProcess.RunAsync(null, ["users", "create-token", "root", "--name", "recovery", "--scopes", "api", "--database", database, "--data-dir", serverDir]);
        Assert.True(withSecret.ExitCode == 0, withSecret.Stderr);
    }

    [Fact]
    public async Task Serve_on_a_busy_port_fails_in_one_line_before_creating_root()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;
        var data = Path.Combine(Dir, "data");

        var result = await TokenwardProcess.RunAsync(null, ["serve", "--urls", $"http://127.0.0.1:{port}", "--data-dir", data]);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"tokenward: cannot listen on http://127.0.0.1:{port}: Failed to bind to address http://127.0.0.1:{port}: address already in use.\n", result.Stderr);
        Assert.DoesNotContain("glpat-", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stdout + result.Stderr, StringComparison.Ordinal);

        // Nobody saw a root token, so none was made: the next start on a free port shows it.
        busy.Stop();
        await using var serve = await ServeProcess.StartAsync(new Dictionary<string, string>(), ["serve", "--urls", $"http://127.0.0.1:{port}", "--data-dir", data], new Uri($"http://127.0.0.1:{port}"));
        var output = await serve.StopAsync();
        Assert.Contains("Created the administrator 'root'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_on_a_data_folder_that_is_a_file_fails_in_one_line()
    {
        var file = Path.Combine(Dir, "data");
        await File.WriteAllTextAsync(file, "not a folder");
        var result = await TokenwardProcess.RunAsync(null, ["serve", "--urls", "http://127.0.0.1:0", "--data-dir", file]);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"tokenward: cannot use the folder {file}: ", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task An_initial_root_token_set_on_a_database_with_users_is_ignored_with_a_warning()
    {
        var port = Ports.Free();
        var env = new Dictionary<string, string> { ["TOKENWARD_INITIAL_ROOT_TOKEN"] = TestServer.RootToken };
        string[] args = ["serve", "--urls", $"http://127.0.0.1:{port}", "--data-dir", Dir];
        await using (var first = await ServeProcess.StartAsync(env, args, new Uri($"http://127.0.0.1:{port}")))
        {
            Assert.DoesNotContain("is set but ignored", await first.StopAsync(), StringComparison.Ordinal);
        }

        env["TOKENWARD_INITIAL_ROOT_TOKEN"] = "glpat-another-value-nobody-has";
        await using var second = await ServeProcess.StartAsync(env, args, new Uri($"http://127.0.0.1:{port}"));
        var output = await second.StopAsync();
        Assert.Contains("TOKENWARD_INITIAL_ROOT_TOKEN is set but ignored", output, StringComparison.Ordinal);
        Assert.Contains("tokenward users create-token root", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Time_options_take_dates_iso_times_and_periods_ago_and_say_so()
    {
        await using var server = await TestServer.StartAsync();
        string[] data = ["--data-dir", server.Dir];
        // The server's events are at 2026-06-01 on its fake clock; the process runs on the real one.
        foreach (var (value, expectEvents) in new[] { ("2026-05-31", true), ("2026-06-01T09:00:00Z", true), ("2026-06-01T12:00:00+02:00", true), ("2026-06-02", false), ("1h", false), ("100y", true), ("30min", false) })
        {
            await server.CreateTokenAsync(1, ["api"]);
            var list = await TokenwardProcess.RunAsync(null, ["audit", "list", "--created-after", value, "--format", "json", .. data]);
            Assert.True(list.ExitCode == 0, $"{value}: {list.Stderr}");
            Assert.True(JsonNode.Parse(list.Stdout)!.AsArray().Count > 0 == expectEvents, $"{value}: {list.Stdout}");
        }

        foreach (var bad in new[] { "yesterday", "2026-13-01", "7x", "0d" })
        {
            var refused = await TokenwardProcess.RunAsync(null, ["audit", "list", "--created-before", bad, .. data]);
            Assert.Equal(1, refused.ExitCode);
            Assert.Equal($"tokenward: --created-before must be YYYY-MM-DD (UTC midnight), an ISO 8601 time (2026-06-01T10:00:00Z; UTC without an offset), or that long ago: 30min, 12h, 7d, 2w, 3months, 1y; not '{bad}'.\n", refused.Stderr);
        }

        var ambiguous = await TokenwardProcess.RunAsync(null, ["audit", "list", "--created-after", "30m", .. data]);
        Assert.Equal("tokenward: --created-after: '30m' is ambiguous; write 30min for minutes or 30months for months.\n", ambiguous.Stderr);

        var log = Path.Combine(Dir, "api_json.log");
        await File.WriteAllTextAsync(log, $"{{\"time\":\"{DateTime.UtcNow.AddMinutes(-30):yyyy-MM-ddTHH:mm:ss.fffZ}\",\"status\":401,\"method\":\"GET\",\"path\":\"/api/v4/user\",\"remote_ip\":\"10.0.0.1\",\"meta.auth_fail_reason\":\"token_expired\",\"meta.auth_fail_token_id\":\"PersonalAccessToken/7\"}}\n");
        var recent = await TokenwardProcess.RunAsync(null, ["logs", "auth-failures", log, "--since", "1h", "--format", "json", "--no-inventory"]);
        Assert.True(recent.ExitCode == 0, recent.Stderr);
        Assert.Equal(1, (int)JsonNode.Parse(recent.Stdout)!["failures"]!);
        var older = await TokenwardProcess.RunAsync(null, ["logs", "auth-failures", log, "--until", "2h", "--format", "json", "--no-inventory"]);
        Assert.Equal(0, (int)JsonNode.Parse(older.Stdout)!["failures"]!);
        var wrong = await TokenwardProcess.RunAsync(null, ["logs", "auth-failures", log, "--since", "last week"]);
        Assert.Equal(1, wrong.ExitCode);
        Assert.DoesNotContain("System.", wrong.Stderr, StringComparison.Ordinal);

        var help = await TokenwardProcess.RunAsync(null, ["logs", "auth-failures", "--help"]);
        Assert.Contains("YYYY-MM-DD", help.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("System.Nullable", help.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extend_lists_what_a_dry_run_would_change_and_says_when_there_is_nothing()
    {
        await using var server = await TestServer.StartAsync();
        string[] data = ["--data-dir", server.Dir];
        var on = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await server.CreateTokenAsync(1, ["api"], on, $"deploy {i}")).Id);
        }

        var dryRun = await TokenwardProcess.RunAsync(null, ["tokens", "extend", "--expiring-on", on, "--by", "3m", .. data]);
        Assert.True(dryRun.ExitCode == 0, dryRun.Stderr);
        foreach (var id in ids)
        {
            Assert.Matches($@"\n{id}\s+personal\s+deploy {id - ids[0]}\s+root\s+{on}", dryRun.Stdout);
        }

        Assert.Contains("3 tokens would get expiry", dryRun.Stdout, StringComparison.Ordinal);
        Assert.Contains("(dry run: nothing changed; add --yes to apply)", dryRun.Stdout, StringComparison.Ordinal);

        var shortList = await TokenwardProcess.RunAsync(null, ["tokens", "extend", "--expiring-on", on, "--by", "3m", "--show", "1", .. data]);
        Assert.Contains("... and 2 more", shortList.Stdout, StringComparison.Ordinal);
        var csv = await TokenwardProcess.RunAsync(null, ["tokens", "extend", "--expiring-on", on, "--by", "3m", "--format", "csv", "--show", "1", .. data]);
        Assert.Equal(2, csv.Stdout.TrimEnd('\n').Split('\n').Length);
        Assert.StartsWith("id,kind,name,", csv.Stdout, StringComparison.Ordinal);
        var json = JsonNode.Parse((await TokenwardProcess.RunAsync(null, ["tokens", "extend", "--expiring-on", on, "--by", "3m", "--format", "json", .. data])).Stdout)!;
        Assert.True((bool)json["dry_run"]!);
        Assert.Equal(ids, json["tokens"]!.AsArray().Select(t => (long)t!["id"]!));

        // A format the change cannot print is refused before anything changes.
        var lines = await TokenwardProcess.RunAsync(null, ["tokens", "extend", "--expiring-on", on, "--by", "3m", "--yes", "--format", "lines", .. data]);
        Assert.Equal(1, lines.ExitCode);
        Assert.Equal(on, (string?)(await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens/{ids[0]}")))["expires_at"]);
        var applied = await TokenwardProcess.RunAsync(null, ["tokens", "extend", "--expiring-on", on, "--by", "3m", "--yes", .. data]);
        Assert.True(applied.ExitCode == 0, applied.Stderr);
        Assert.Contains("Updated 3 tokens with new expiry date", applied.Stdout, StringComparison.Ordinal);
        var nothing = await TokenwardProcess.RunAsync(null, ["tokens", "extend", "--expiring-on", on, "--by", "3m", "--yes", .. data]);
        Assert.Equal(0, nothing.ExitCode);
        Assert.Equal($"Nothing to change: no token expiring on {on} matches.\n", nothing.Stdout);
        Assert.DoesNotContain("dry run", nothing.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_list_columns_stay_aligned_whatever_the_event_name()
    {
        await using var server = await TestServer.StartAsync();
        var (id, _) = await server.CreateTokenAsync(1, ["api"]);
        await server.Client.SendAsync(TestServer.Request(HttpMethod.Delete, $"/api/v4/personal_access_tokens/{id}"));
        await server.Client.SendAsync(TestServer.Request(HttpMethod.Post, "/api/v4/groups", content: new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = "a group with a rather long name", ["path"] = "g" })));
        var table = await TokenwardProcess.RunAsync(null, ["audit", "list", "--data-dir", server.Dir]);
        Assert.True(table.ExitCode == 0, table.Stderr);
        var lines = table.Stdout.TrimEnd('\n').Split('\n');
        Assert.True(lines.Length >= 4, table.Stdout);
        foreach (var column in new[] { "EVENT", "ENTITY", "TARGET", "AUTHOR" })
        {
            var at = lines[0].IndexOf(column, StringComparison.Ordinal);
            Assert.All(lines.Skip(1), line => Assert.True(line[at - 1] == ' ' && line[at - 2] == ' ' && line[at] != ' ', $"{column} at {at}: '{line}'"));
        }

        var csv = await TokenwardProcess.RunAsync(null, ["audit", "list", "--format", "csv", "--data-dir", server.Dir]);
        Assert.StartsWith("TIME (UTC),EVENT,ENTITY,TARGET,AUTHOR\n", csv.Stdout, StringComparison.Ordinal);
        Assert.Equal(lines.Length, csv.Stdout.TrimEnd('\n').Split('\n').Length);
    }
}
