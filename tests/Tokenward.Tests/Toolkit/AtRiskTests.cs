using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Storage;
using Tokenward.Tests.Cli;
using Tokenward.Tests.Infrastructure;
using static Tokenward.Tests.Http.GroupsAndProjectsApiTests;

namespace Tokenward.Tests.Toolkit;

/// <summary>
/// Tokens at risk: active, expiring within the period and used within the other; the most traffic
/// first (calls per day from a log, else the latest use), each with its fix. Over hand-built data
/// on both engines through the admin API, and through the CLI with a log.
/// </summary>
public class AtRiskTests : TempDir
{
    private static async Task UsedAsync(TestServer server, long id, DateTime? at)
    {
        await using var scope = server.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<TokenwardDb>().PersonalAccessTokens.Where(t => t.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, at));
    }

    private static DateTime Utc(int month, int day) => new(2026, month, day, 12, 0, 0, DateTimeKind.Utc);

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task The_api_lists_used_tokens_expiring_soon_latest_use_first_each_with_its_fix(DatabaseEngine engine)
    {
        // Today is 2026-06-01.
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (deploy, _) = await server.CreateTokenAsync(alice, ["api"], "2026-06-20", "deploy");
        var (soon, _) = await server.CreateTokenAsync(alice, ["api"], "2026-06-05", "soon");
        var (idle, _) = await server.CreateTokenAsync(alice, ["api"], "2026-06-20", "idle");
        var (longAgo, _) = await server.CreateTokenAsync(alice, ["api"], "2026-06-20", "used long ago");
        var (later, _) = await server.CreateTokenAsync(alice, ["api"], "2026-09-01", "later");
        var (revoked, _) = await server.CreateTokenAsync(alice, ["api"], "2026-06-20", "revoked");
        var (today, _) = await server.CreateTokenAsync(alice, ["api"], "2026-06-02", "tomorrow");
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/personal_access_tokens/{revoked}"), 204);
        var project = await CreateProjectAsync(server, "svc", await CreateGroupAsync(server, "team"));
        var projectToken = (long)(await TestServer.Json(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens",
            new { name = "ci", scopes = new[] { "api" }, expires_at = "2026-06-25" })))["id"]!;
        var impersonation = (long)(await TestServer.Json(await server.PostJsonAsync($"/api/v4/users/{alice}/impersonation_tokens",
            new { name = "support", scopes = new[] { "api" }, expires_at = "2026-06-15" })))["id"]!;
        await UsedAsync(server, projectToken, Utc(6, 1));
        await UsedAsync(server, deploy, Utc(5, 31));
        await UsedAsync(server, soon, Utc(5, 30));
        await UsedAsync(server, impersonation, Utc(5, 29));
        await UsedAsync(server, longAgo, Utc(3, 1));
        await UsedAsync(server, later, Utc(5, 31));
        await UsedAsync(server, revoked, Utc(5, 31));
        await UsedAsync(server, today, Utc(5, 31));

        var answer = await server.GetAsync("/api/v4/admin/tokens/at_risk");
        await Expect.StatusAsync(answer, 200);
        var rows = (await TestServer.Json(answer)).AsArray().Select(r => r!).ToList();
        // The same last use: the sooner expiry first.
        Assert.Equal([projectToken, today, deploy, soon, impersonation], rows.Select(r => (long)r["id"]!));
        Assert.DoesNotContain(idle, rows.Select(r => (long)r["id"]!));
        Assert.Equal("5", answer.Headers.GetValues("x-total").Single());
        JsonNode Row(long id) => rows.Single(r => (long)r["id"]! == id);
        Assert.Equal(("rotate", $"POST /api/v4/projects/{project}/access_tokens/{projectToken}/rotate?grace_period=1d", 24),
            ((string?)Row(projectToken)["fix"], (string?)Row(projectToken)["fix_command"], (int)Row(projectToken)["days_left"]!));
        Assert.Equal(("notify_owner", $"tell alice@example.com: POST /api/v4/personal_access_tokens/{deploy}/rotate?grace_period=1d"),
            ((string?)Row(deploy)["fix"], (string?)Row(deploy)["fix_command"]));
        // Four days left: no time for a rollover; an admin extends the owner's tokens of that day.
        Assert.Equal(("extend", "tokenward tokens extend --expiring-on 2026-06-05 --user alice --by 30d", 4),
            ((string?)Row(soon)["fix"], (string?)Row(soon)["fix_command"], (int)Row(soon)["days_left"]!));
        Assert.Equal(("rotate", $"POST /api/v4/users/{alice}/impersonation_tokens/{impersonation}/rotate?grace_period=1d"),
            ((string?)Row(impersonation)["fix"], (string?)Row(impersonation)["fix_command"]));
        Assert.Null(Row(deploy)["calls_per_day"]);
        Assert.Equal("project", (string?)Row(projectToken)["kind"]);

        // Narrower: used since yesterday (1d), expiring within three weeks (the project's 2026-06-25 is beyond).
        var narrow = (await TestServer.Json(await server.GetAsync("/api/v4/admin/tokens/at_risk?used_within=1d&within=3w"))).AsArray();
        Assert.Equal([today, deploy], narrow.Select(r => (long)r!["id"]!));
        Assert.Equal(2, (await TestServer.Json(await server.GetAsync("/api/v4/admin/tokens/at_risk?kind=personal&per_page=2"))).AsArray().Count);
        Assert.Single((await TestServer.Json(await server.GetAsync("/api/v4/admin/tokens/at_risk?project=team/svc"))).AsArray());

        await Expect.StatusAsync(await server.GetAsync("/api/v4/admin/tokens/at_risk?within=soon"), 400);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/admin/tokens/at_risk?used_within=-1d"), 400);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/admin/tokens/at_risk?user=nobody"), 404);
        var (_, alicesToken) = await server.CreateTokenAsync(alice, ["api"], "2026-07-01", "alice's own");
        await Expect.StatusAsync(await server.GetAsync("/api/v4/admin/tokens/at_risk", alicesToken), 403);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/admin/tokens/at_risk", null), 401);
    }

    [Fact]
    public async Task The_cli_orders_by_calls_per_day_from_the_log_and_prints_table_json_and_csv()
    {
        // The CLI's today is the machine's: dates and uses around it.
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        string Day(int days) => DateOnly.FromDateTime(now).AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await using var server = await TestServer.StartAsync(DatabaseEngine.Sqlite);
        var bob = await server.CreateUserAsync("bob");
        var (quiet, _) = await server.CreateTokenAsync(bob, ["api"], "2026-07-01", "quiet but recent");
        var (busy, _) = await server.CreateTokenAsync(bob, ["api"], "2026-07-01", "busy");
        var (dormant, _) = await server.CreateTokenAsync(bob, ["api"], "2026-07-01", "dormant");
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
            await db.PersonalAccessTokens.Where(t => t.Id == quiet || t.Id == busy || t.Id == dormant)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, DateOnly.FromDateTime(now).AddDays(20)));
            await db.PersonalAccessTokens.Where(t => t.Id == quiet).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now.AddHours(-1)));
            await db.PersonalAccessTokens.Where(t => t.Id == busy).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now.AddDays(-2)));
        }

        // Two days of log: busy 300 calls, quiet 10; a refusal naming quiet in meta is no call.
        var log = Path.Combine(Dir, "api_json.log");
        var lines = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            lines.Add($$"""{"time":"{{Day(i % 2 - 3)}}T10:00:00.000Z","severity":"INFO","status":200,"method":"GET","path":"/api/v4/projects","token_type":"PersonalAccessToken","token_id":{{busy}}}""");
        }

        for (var i = 0; i < 10; i++)
        {
            lines.Add($$"""{"time":"{{Day(-2)}}T11:00:00.000Z","severity":"INFO","status":200,"method":"GET","path":"/api/v4/user","token_type":"PersonalAccessToken","token_id":{{quiet}}}""");
        }

        lines.Add($$"""{"time":"{{Day(-2)}}T11:00:00.000Z","status":401,"meta.auth_fail_reason":"token_expired","meta.auth_fail_token_id":"PersonalAccessToken/{{quiet}}"}""");
        await File.WriteAllLinesAsync(log, lines);

        var plain = await TokenwardProcess.RunAsync(null, ["tokens", "at-risk", "--data-dir", server.Dir, "--format", "json"]);
        Assert.Equal(0, plain.ExitCode);
        Assert.Equal([quiet, busy], JsonNode.Parse(plain.Stdout)!.AsArray().Select(r => (long)r!["id"]!)); // latest use first

        var withLog = await TokenwardProcess.RunAsync(null, ["tokens", "at-risk", "--log", log, "--data-dir", server.Dir, "--format", "json"]);
        Assert.True(withLog.ExitCode == 0, withLog.Stderr);
        var rows = JsonNode.Parse(withLog.Stdout)!.AsArray();
        Assert.Equal([busy, quiet], rows.Select(r => (long)r!["id"]!));
        Assert.Equal([150.0, 5.0], rows.Select(r => (double)r!["calls_per_day"]!));

        var table = await TokenwardProcess.RunAsync(null, ["tokens", "at-risk", "--log", Dir, "--data-dir", server.Dir]);
        var tableLines = table.Stdout.TrimEnd('\n').Split('\n');
        Assert.StartsWith("ID", tableLines[0], StringComparison.Ordinal);
        Assert.Contains("CALLS/DAY", tableLines[0], StringComparison.Ordinal);
        Assert.Contains("notify_owner", tableLines[1], StringComparison.Ordinal);
        Assert.Contains(" 150 ", tableLines[1], StringComparison.Ordinal);
        Assert.Equal("2 tokens at risk: 0 to extend now, 0 to rotate, 2 owners to tell.", tableLines[^1]);
        var csv = await TokenwardProcess.RunAsync(null, ["tokens", "at-risk", "--data-dir", server.Dir, "--format", "csv"]);
        Assert.StartsWith("id,kind,name,owner,expires,days,last_used,fix,command\n", csv.Stdout, StringComparison.Ordinal);

        var none = await TokenwardProcess.RunAsync(null, ["tokens", "at-risk", "--within", "7d", "--data-dir", server.Dir]);
        Assert.Equal("No token at risk: none that expires in the period was used in the other.\n", none.Stdout);
        var bad = await TokenwardProcess.RunAsync(null, ["tokens", "at-risk", "--used-within", "often", "--data-dir", server.Dir]);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("--used-within", bad.Stderr, StringComparison.Ordinal);
        var missing = await TokenwardProcess.RunAsync(null, ["tokens", "at-risk", "--log", Path.Combine(Dir, "nope.log"), "--data-dir", server.Dir]);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.DoesNotContain("   at ", missing.Stderr, StringComparison.Ordinal);
    }
}
