using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Storage;
using Tokenward.Tests.Cli;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Toolkit;

/// <summary>
/// The real <c>tokenward tokens ...</c> executable, on the database of a running server and
/// against that server's API over HTTP. The process runs on the real clock, after the test
/// server's fake one, so these tests name dates rather than say "today".
/// </summary>
public class ToolkitCliTests
{
    private static Task<TokenwardProcess.Result> LocalAsync(ToolkitData data, params string[] args) =>
        TokenwardProcess.RunAsync(null, ["tokens", .. args, "--data-dir", data.Server.Dir]);

    private static Task<TokenwardProcess.Result> RemoteAsync(Uri url, string token, params string[] args) =>
        TokenwardProcess.RunAsync(new Dictionary<string, string> { ["TOKENWARD_URL"] = url.ToString(), ["TOKENWARD_TOKEN"] = token }, ["tokens", .. args]);

    private static long[] Ids(string json) => JsonNode.Parse(json)!.AsArray().Select(t => (long)t!["id"]!).Order().ToArray();

    private static async Task DbAsync(ToolkitData data, Func<TokenwardDb, Task> change)
    {
        await using var scope = data.Server.Services.CreateAsyncScope();
        await change(scope.ServiceProvider.GetRequiredService<TokenwardDb>());
    }

    [Fact]
    public async Task Reports_print_tables_seed_lines_json_and_csv()
    {
        var data = await ToolkitData.CreateAsync(DatabaseEngine.Sqlite);
        await using var _ = data.Server;

        var lines = await LocalAsync(data, "expiring", "--on", ToolkitData.DText, "--format", "lines");
        Assert.Equal(0, lines.ExitCode);
        Assert.Contains($"Expired personal access token ID: {data.OnD}, User Email: alice@example.com, Name: ci, Scopes: [\"api\"], Last used: 2026-05-01 10:00:00 UTC\n", lines.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Expired Project access token in Project ID {data.Svc}, Token ID: {data.SvcToken}, Name: svc token, Scopes: [\"read_api\", \"create_runner\"], Last used: \n", lines.Stdout, StringComparison.Ordinal);
        Assert.Equal(7, lines.Stdout.TrimEnd().Split('\n').Length);

        var json = await LocalAsync(data, "expiring", "--on", ToolkitData.DText, "--format", "json", "--group", "team");
        Assert.Equal(new[] { data.TeamToken, data.SubToken, data.SvcToken }.Order(), Ids(json.Stdout));
        var csv = await LocalAsync(data, "no-expiry", "--format", "csv", "--include-blocked", "--kind", "personal", "--user", "bob");
        Assert.Equal(2, csv.Stdout.TrimEnd().Split('\n').Length);
        Assert.Contains($"{data.BlockedNoExpiry},personal,bob's forever,", csv.Stdout, StringComparison.Ordinal);
        var table = await LocalAsync(data, "expiring", "--on", ToolkitData.DText, "--kind", "impersonation");
        Assert.Contains("impersonation", table.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("1 token\n", table.Stdout, StringComparison.Ordinal);

        // The process's today is after 2026-07-01: move some tokens to a later date for the dates report.
        await DbAsync(data, db => db.PersonalAccessTokens.Where(t => t.Id == data.OnD || t.Id == data.ReadApiOnD || t.Id == data.TeamToken)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, new DateOnly(2099, 3, 1))));
        await DbAsync(data, db => db.PersonalAccessTokens.Where(t => t.Id == data.SvcToken).ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, new DateOnly(2099, 4, 1))));
        var dates = await LocalAsync(data, "expiry-dates", "--format", "lines");
        Assert.Equal("3 Personal access tokens will expire at 2099-03-01\n1 Personal access tokens will expire at 2099-04-01\n", dates.Stdout);
        var chart = await LocalAsync(data, "expiry-dates", "--top", "1");
        Assert.Contains("2099-03-01         3  ", chart.Stdout, StringComparison.Ordinal);
        Assert.Contains('█', chart.Stdout);
    }

    [Fact]
    public async Task Bad_input_is_a_message_and_a_non_zero_exit()
    {
        var data = await ToolkitData.CreateAsync(DatabaseEngine.Sqlite);
        await using var _ = data.Server;

        foreach (var (args, message) in new (string[], string)[]
        {
            (["expiring"], "exactly one of --on DATE and --within PERIOD"),
            (["expiring", "--on", "tomorrow"], "--on must be a date"),
            (["expiring", "--within", "a while"], "--within must be a period"),
            (["expiring", "--on", "2026-07-01", "--from", "2026-01-01"], "--from goes with --within"),
            (["no-expiry", "--kind", "robot"], "kind must be one of"),
            (["no-expiry", "--user", "nobody"], "User 'nobody' not found"),
            (["no-expiry", "--format", "xml"], "xml"),
            (["extend", "--expiring-on", "2026-07-01"], "have already expired"),
            (["extend", "--expiring-on", "2099-07-01", "--to", "2099-01-01", "--by", "1m"], "not both"),
            (["extend", "--expiring-on", "2099-07-01", "--yes", "--dry-run"], "contradict"),
            (["revoke", "--id", "999999"], "Token 999999 not found"),
        })
        {
            var result = await LocalAsync(data, args);
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Changes_are_dry_runs_until_yes()
    {
        var data = await ToolkitData.CreateAsync(DatabaseEngine.Sqlite);
        await using var _ = data.Server;

        var dry = await LocalAsync(data, "extend", "--expiring-on", ToolkitData.DText, "--include-expired", "--to", "2027-01-15");
        Assert.Equal(0, dry.ExitCode);
        Assert.Contains("4 tokens would get expiry 2027-01-15 (dry run", dry.Stdout, StringComparison.Ordinal);
        Assert.Contains("Skipped 2:", dry.Stdout, StringComparison.Ordinal);
        var after = await TestServer.Json(await data.Server.GetAsync($"/api/v4/personal_access_tokens/{data.OnD}"));
        Assert.Equal(ToolkitData.DText, (string?)after["expires_at"]);

        var done = await LocalAsync(data, "extend", "--expiring-on", ToolkitData.DText, "--include-expired", "--to", "2027-01-15", "--yes");
        Assert.Equal(0, done.ExitCode);
        Assert.Contains("Updated 4 tokens with new expiry date 2027-01-15", done.Stdout, StringComparison.Ordinal);
        Assert.Equal("2027-01-15", (string?)(await TestServer.Json(await data.Server.GetAsync($"/api/v4/personal_access_tokens/{data.OnD}")))["expires_at"]);

        var wouldRevoke = await LocalAsync(data, "revoke", "--id", data.DayAfter.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("Would revoke personal token", wouldRevoke.Stdout, StringComparison.Ordinal);
        Assert.False((bool)(await TestServer.Json(await data.Server.GetAsync($"/api/v4/personal_access_tokens/{data.DayAfter}")))["revoked"]!);
        Assert.Equal(0, (await LocalAsync(data, "revoke", "--id", data.DayAfter.ToString(System.Globalization.CultureInfo.InvariantCulture), "--yes")).ExitCode);
        Assert.True((bool)(await TestServer.Json(await data.Server.GetAsync($"/api/v4/personal_access_tokens/{data.DayAfter}")))["revoked"]!);

        var rotated = await LocalAsync(data, "rotate", "--id", data.SvcToken.ToString(System.Globalization.CultureInfo.InvariantCulture), "--yes", "--format", "json", "--expires-at", "2027-02-01");
        Assert.Equal(0, rotated.ExitCode);
        var successor = JsonNode.Parse(rotated.Stdout)!;
        var token = (string)successor["token"]!;
        // The new project token works on the server, as the project's bot.
        var project = await data.Server.GetAsync($"/api/v4/projects/{data.Svc}", token);
        await Expect.StatusAsync(project, 200);
        Assert.True((bool)(await TestServer.Json(await data.Server.GetAsync($"/api/v4/personal_access_tokens/{data.SvcToken}")))["revoked"]!);
    }

    [Fact]
    public async Task Remote_mode_reads_every_page_through_the_public_api_and_matches_the_database()
    {
        var data = await ToolkitData.CreateAsync(DatabaseEngine.Sqlite);
        await using var _ = data.Server;
        // 150 more of alice's tokens on D: the token list spans two pages of 100.
        await DbAsync(data, async db =>
        {
            var now = DateTime.UtcNow;
            db.PersonalAccessTokens.AddRange(Enumerable.Range(0, 150).Select(i => new PersonalAccessToken
            {
                UserId = data.Alice,
                Name = $"bulk {i}",
                TokenDigest = $"digest-{i}",
                Scopes = "[\"api\"]",
                ExpiresAt = ToolkitData.D,
                CreatedAt = now,
                UpdatedAt = now,
            }));
            await db.SaveChangesAsync();
        });

        foreach (var args in new[]
        {
            new[] { "expiring", "--on", ToolkitData.DText },
            ["expiring", "--on", ToolkitData.DText, "--group", "team"],
            ["expiring", "--on", ToolkitData.DText, "--kind", "impersonation,project"],
            ["expiring", "--within", "1m", "--from", "2026-06-15", "--include-blocked"],
            ["no-expiry", "--include-blocked"],
            ["expiring", "--on", ToolkitData.DText, "--user", "alice", "--scope", "read_api"],
        })
        {
            var local = await LocalAsync(data, [.. args, "--format", "json"]);
            var remote = await RemoteAsync(data.Server.BaseAddress, TestServer.RootToken, [.. args, "--format", "json"]);
            Assert.True(remote.ExitCode == 0, remote.Stderr);
            Assert.Equal(local.Stdout.Replace("\"expiry_backfilled\":true", "\"expiry_backfilled\":false", StringComparison.Ordinal), remote.Stdout);
        }

        Assert.Equal(157, Ids((await RemoteAsync(data.Server.BaseAddress, TestServer.RootToken, "expiring", "--on", ToolkitData.DText, "--format", "json")).Stdout).Length);
    }

    [Fact]
    public async Task Remote_changes_go_through_the_api_or_print_the_rails_runner_script()
    {
        var data = await ToolkitData.CreateAsync(DatabaseEngine.Sqlite);
        await using var _ = data.Server;
        var url = data.Server.BaseAddress;

        // GitLab has no endpoint to change expires_at (a proxy answers 404 for Tokenward's own, as GitLab does): the Rails script instead.
        await using (var gitlab = await FlakyProxy.StartAsync(url))
        {
            gitlab.Fault = (_, path) => path.StartsWith("/api/v4/admin/tokens/", StringComparison.Ordinal) ? 404 : null;
            var script = await RemoteAsync(gitlab.Url, TestServer.RootToken, "extend", "--expiring-on", ToolkitData.DText, "--include-expired", "--to", "2027-01-15", "--yes");
            Assert.Equal(2, script.ExitCode);
            Assert.Contains("cannot change a token's expires_at", script.Stdout, StringComparison.Ordinal);
            Assert.Contains("expiring_date = Date.new(2026, 7, 1)\nnew_expires_at = Date.new(2027, 1, 15)", script.Stdout, StringComparison.Ordinal);
            Assert.Contains(".update_all(expires_at: new_expires_at)", script.Stdout, StringComparison.Ordinal);
            var remove = await RemoteAsync(gitlab.Url, TestServer.RootToken, "remove-expiry", "--expiring-on", ToolkitData.DText, "--include-expired");
            Assert.Equal(0, remove.ExitCode);
            Assert.Contains("new_expires_at = nil", remove.Stdout, StringComparison.Ordinal);
        }

        Assert.Equal(ToolkitData.DText, (string?)(await TestServer.Json(await data.Server.GetAsync($"/api/v4/personal_access_tokens/{data.OnD}")))["expires_at"]);

        // A 404 that is not GitLab's missing route (a user gone since the client looked) is an error, not "this is GitLab".
        await using (var gone = await FlakyProxy.StartAsync(url))
        {
            gone.Fault = (_, path) => path.StartsWith("/api/v4/admin/tokens/", StringComparison.Ordinal) ? 404 : null;
            gone.NotFoundBody = "{\"message\":\"404 User Not Found\"}";
            var missing = await RemoteAsync(gone.Url, TestServer.RootToken, "extend", "--expiring-on", ToolkitData.DText, "--include-expired", "--to", "2027-01-15");
            Assert.Equal(1, missing.ExitCode);
            Assert.Contains("404 User Not Found", missing.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Rails", missing.Stdout, StringComparison.Ordinal);
        }

        var upper = await RemoteAsync(url, TestServer.RootToken, "extend", "--expiring-on", ToolkitData.DText, "--include-expired", "--to", "2027-01-15", "--user", "ALICE", "--format", "json");
        Assert.True(upper.ExitCode == 0, upper.Stderr);
        Assert.Contains(data.OnD, Ids(JsonNode.Parse(upper.Stdout)!["tokens"]!.ToJsonString()));

        // A Tokenward does it through its own admin API, as the local command would, given as .../api/v4 too.
        var local = await LocalAsync(data, "extend", "--expiring-on", ToolkitData.DText, "--include-expired", "--to", "2027-01-15", "--format", "json");
        var dryRun = await RemoteAsync(new Uri(url, "/api/v4"), TestServer.RootToken, "extend", "--expiring-on", ToolkitData.DText, "--include-expired", "--to", "2027-01-15", "--format", "json");
        Assert.True(dryRun.ExitCode == 0, dryRun.Stderr);
        Assert.Equal(Ids(JsonNode.Parse(local.Stdout)!["tokens"]!.ToJsonString()), Ids(JsonNode.Parse(dryRun.Stdout)!["tokens"]!.ToJsonString()));
        Assert.Contains(data.OnD, Ids(JsonNode.Parse(dryRun.Stdout)!["tokens"]!.ToJsonString()));
        var extend = await RemoteAsync(url, TestServer.RootToken, "extend", "--expiring-on", ToolkitData.DText, "--include-expired", "--to", "2027-01-15", "--yes");
        Assert.True(extend.ExitCode == 0, extend.Stderr);
        Assert.Contains("Updated", extend.Stdout, StringComparison.Ordinal);
        Assert.Equal("2027-01-15", (string?)(await TestServer.Json(await data.Server.GetAsync($"/api/v4/personal_access_tokens/{data.OnD}")))["expires_at"]);
        var again = await RemoteAsync(url, TestServer.RootToken, "extend", "--expiring-on", ToolkitData.DText, "--include-expired", "--to", "2027-01-15", "--yes");
        Assert.Equal(0, again.ExitCode);
        Assert.StartsWith($"Nothing to change: no token expiring on {ToolkitData.DText} matches", again.Stdout, StringComparison.Ordinal);

        var revokeBlocked = await RemoteAsync(url, TestServer.RootToken, "revoke-blocked", "--yes");
        Assert.True(revokeBlocked.ExitCode == 0, revokeBlocked.Stderr);
        // Only the one without expiry: the other expired on 2026-07-01 by the real clock the process runs on.
        Assert.Contains("Revoked 1 tokens of blocked users", revokeBlocked.Stdout, StringComparison.Ordinal);
        Assert.True((bool)(await TestServer.Json(await data.Server.GetAsync($"/api/v4/personal_access_tokens/{data.BlockedNoExpiry}")))["revoked"]!);

        var rotate = await RemoteAsync(url, TestServer.RootToken, "rotate", "--id", data.NoExpiry.ToString(System.Globalization.CultureInfo.InvariantCulture), "--yes");
        Assert.Equal(0, rotate.ExitCode);
        var newToken = rotate.Stdout.TrimEnd().Split('\n')[^1];
        Assert.StartsWith("glpat-", newToken, StringComparison.Ordinal);
        await Expect.StatusAsync(await data.Server.GetAsync("/api/v4/personal_access_tokens/self", newToken), 200);
        Assert.Equal(0, (await RemoteAsync(url, TestServer.RootToken, "revoke", "--id", data.DayAfter.ToString(System.Globalization.CultureInfo.InvariantCulture), "--yes")).ExitCode);
        Assert.True((bool)(await TestServer.Json(await data.Server.GetAsync($"/api/v4/personal_access_tokens/{data.DayAfter}")))["revoked"]!);
    }

    [Fact]
    public async Task Rotate_keeps_the_old_token_for_its_grace_period_locally_and_remotely()
    {
        var data = await ToolkitData.CreateAsync(DatabaseEngine.Sqlite);
        await using var _ = data.Server;
        var (remoteId, remoteOld) = await data.Server.CreateTokenAsync(data.Alice, ["api"], "2026-12-31", "remote");
        var remote = await RemoteAsync(data.Server.BaseAddress, TestServer.RootToken, "rotate", "--id", remoteId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--grace-period", "30m", "--yes");
        Assert.True(remote.ExitCode == 0, remote.Stderr);
        Assert.Contains($"Token {remoteId} keeps working for 1800 s more", remote.Stdout, StringComparison.Ordinal);
        await Expect.StatusAsync(await data.Server.GetAsync("/api/v4/user", remoteOld), 200);
        data.Server.Clock.Advance(TimeSpan.FromMinutes(31));
        await Expect.StatusAsync(await data.Server.GetAsync("/api/v4/user", remoteOld), 401);

        // Locally the process's own clock starts the grace: an hour from now.
        var (localId, _) = await data.Server.CreateTokenAsync(data.Alice, ["api"], "2026-12-31", "local");
        var before = TimeProvider.System.GetUtcNow().UtcDateTime;
        var local = await LocalAsync(data, "rotate", "--id", localId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--grace-period", "1h", "--yes", "--format", "json");
        Assert.True(local.ExitCode == 0, local.Stderr);
        await DbAsync(data, async db =>
        {
            var old = await db.PersonalAccessTokens.SingleAsync(t => t.Id == localId);
            Assert.True(old.Revoked);
            Assert.InRange(old.RotationGraceUntil!.Value, before.AddHours(1).AddMinutes(-1), before.AddHours(1).AddMinutes(5));
        });

        foreach (var bad in new[] { "soon", "8d", "-1h" })
        {
            var refused = await LocalAsync(data, "rotate", "--id", data.OnD.ToString(System.Globalization.CultureInfo.InvariantCulture), "--grace-period", bad, "--yes");
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("--grace-period", refused.Stderr, StringComparison.Ordinal);
        }

        await DbAsync(data, async db => Assert.False((await db.PersonalAccessTokens.SingleAsync(t => t.Id == data.OnD)).Revoked));
    }

    [Fact]
    public async Task Remote_mode_waits_out_429_retries_5xx_and_reports_401_and_403()
    {
        var data = await ToolkitData.CreateAsync(DatabaseEngine.Sqlite);
        await using var _ = data.Server;
        await using var proxy = await FlakyProxy.StartAsync(data.Server.BaseAddress);
        var expected = await LocalAsync(data, "expiring", "--on", ToolkitData.DText, "--format", "json");

        // A rate limit on the first request, a 503 on the third and a 502 on the sixth.
        proxy.Fault = (n, _) => n switch { 1 => 429, 3 => 503, 6 => 502, _ => null };
        var flaky = await RemoteAsync(proxy.Url, TestServer.RootToken, "expiring", "--on", ToolkitData.DText, "--format", "json");
        Assert.True(flaky.ExitCode == 0, flaky.Stderr);
        Assert.Equal(expected.Stdout.Replace("\"expiry_backfilled\":true", "\"expiry_backfilled\":false", StringComparison.Ordinal), flaky.Stdout);
        Assert.Contains("answered 429; retrying in 1 s", flaky.Stderr, StringComparison.Ordinal);
        Assert.Contains("answered 503; retrying", flaky.Stderr, StringComparison.Ordinal);

        proxy.Fault = (_, path) => path.StartsWith("/api/v4/users", StringComparison.Ordinal) ? 500 : null;
        var down = await RemoteAsync(proxy.Url, TestServer.RootToken, "no-expiry");
        Assert.Equal(1, down.ExitCode);
        Assert.Contains("failed on api/v4/users", down.Stderr, StringComparison.Ordinal);
        Assert.Equal(5, proxy.Log.Count(l => l.Status == 500));

        proxy.Fault = (_, _) => null;
        var unauthorized = await RemoteAsync(proxy.Url, "glpat-not-a-real-token", "no-expiry");
        Assert.Equal(1, unauthorized.ExitCode);
        Assert.Contains("401 Unauthorized", unauthorized.Stderr, StringComparison.Ordinal);

        var (_, aliceToken) = await data.Server.CreateTokenAsync(data.Alice, ["api"], "2026-12-01");
        var notAdmin = await RemoteAsync(proxy.Url, aliceToken, "no-expiry");
        Assert.Equal(1, notAdmin.ExitCode);
        Assert.Contains("not an administrator", notAdmin.Stderr, StringComparison.Ordinal);

        var nonAdminRevoke = await RemoteAsync(proxy.Url, aliceToken, "revoke", "--id", data.BlockedOnD.ToString(System.Globalization.CultureInfo.InvariantCulture), "--yes");
        Assert.Equal(1, nonAdminRevoke.ExitCode);
        Assert.Contains("401", nonAdminRevoke.Stderr, StringComparison.Ordinal);
    }
}
