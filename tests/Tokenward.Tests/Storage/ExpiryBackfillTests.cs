using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Lifecycle;
using Tokenward.Storage;
using Tokenward.Tests.Cli;
using Tokenward.Tests.Infrastructure;
using static Tokenward.Tests.Http.GroupsAndProjectsApiTests;

namespace Tokenward.Tests.Storage;

public class ExpiryBackfillTests
{
    /// <summary>Tokens of every kind without expiry, plus one with an expiry and one revoked, which the backfill must leave alone.</summary>
    private static async Task<(TestServer Server, long Personal, long WithExpiry, long Revoked)> SeedAsync(DatabaseEngine engine)
    {
        var server = await TestServer.StartAsync(engine, s => s with { RequireTokenExpiry = false });
        var alice = await server.CreateUserAsync("alice");
        var (personal, _) = await server.CreateTokenAsync(alice, ["api"]);
        var (withExpiry, _) = await server.CreateTokenAsync(alice, ["api"], "2026-08-01");
        var (revoked, _) = await server.CreateTokenAsync(alice, ["api"]);
        await server.DeleteAsync($"/api/v4/personal_access_tokens/{revoked}");
        await server.PostJsonAsync($"/api/v4/users/{alice}/impersonation_tokens", new { name = "imp", scopes = new[] { "api" } });
        var group = await CreateGroupAsync(server, "team");
        var project = await CreateProjectAsync(server, "svc", group);
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "p", scopes = new[] { "api" } }), 201);
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/groups/{group}/access_tokens", new { name = "g", scopes = new[] { "api" } }), 201);
        return (server, personal, withExpiry, revoked);
    }

    private static async Task<T> WithScopeAsync<T>(TestServer server, Func<IServiceProvider, Task<T>> body)
    {
        await using var scope = server.Services.CreateAsyncScope();
        return await body(scope.ServiceProvider);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Backfill_sets_a_year_on_active_tokens_without_expiry_and_records_them(DatabaseEngine engine)
    {
        var (server, personal, withExpiry, revoked) = await SeedAsync(engine);
        await using var _ = server;

        var dry = await WithScopeAsync(server, sp => sp.GetRequiredService<ExpiryBackfill>().BackfillAsync(new DateOnly(2026, 6, 1), dryRun: true, CancellationToken.None));
        // root's bootstrap token and alice's: 2 personal.
        Assert.Equal(new Dictionary<string, int> { ["personal"] = 2, ["impersonation"] = 1, ["project"] = 1, ["group"] = 1 }, dry.Changed);
        Assert.Null((await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens/{personal}")))["expires_at"]);

        var done = await WithScopeAsync(server, sp => sp.GetRequiredService<ExpiryBackfill>().BackfillAsync(new DateOnly(2026, 6, 1), dryRun: false, CancellationToken.None));
        Assert.Equal(5, done.Total);
        Assert.Equal("2027-06-01", (string?)(await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens/{personal}")))["expires_at"]);
        Assert.Equal("2026-08-01", (string?)(await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens/{withExpiry}")))["expires_at"]);
        Assert.Null((await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens/{revoked}")))["expires_at"]);
        var records = await WithScopeAsync(server, sp => sp.GetRequiredService<TokenwardDb>().TokenExpiryBackfills.CountAsync());
        Assert.Equal(5, records);
        var audit = await TestServer.Json(await server.GetAsync("/api/v4/audit_events?entity_type=Instance"));
        Assert.Equal(5, (int)Assert.Single(audit.AsArray(), e => (string?)e!["event_name"] == "expiry_backfill")!["details"]!["tokens"]!);

        // Nothing left to do the second time.
        var again = await WithScopeAsync(server, sp => sp.GetRequiredService<ExpiryBackfill>().BackfillAsync(new DateOnly(2026, 6, 1), dryRun: false, CancellationToken.None));
        Assert.Equal(0, again.Total);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Revert_clears_exactly_the_unchanged_backfilled_expiries(DatabaseEngine engine)
    {
        var (server, personal, withExpiry, _) = await SeedAsync(engine);
        await using var _ = server;
        await WithScopeAsync(server, sp => sp.GetRequiredService<ExpiryBackfill>().BackfillAsync(new DateOnly(2026, 6, 1), dryRun: false, CancellationToken.None));
        // An admin moved root's backfilled expiry since: it is no longer the backfill's.
        await WithScopeAsync(server, sp => sp.GetRequiredService<TokenwardDb>().PersonalAccessTokens.Where(t => t.Id == 1)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, new DateOnly(2026, 12, 24))));

        var dry = await WithScopeAsync(server, sp => sp.GetRequiredService<ExpiryBackfill>().RevertAsync(dryRun: true, CancellationToken.None));
        Assert.Equal(4, dry.Total);
        Assert.Equal(1, dry.Changed["personal"]);
        var done = await WithScopeAsync(server, sp => sp.GetRequiredService<ExpiryBackfill>().RevertAsync(dryRun: false, CancellationToken.None));
        Assert.Equal(4, done.Total);

        Assert.Null((await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens/{personal}")))["expires_at"]);
        Assert.Equal("2026-12-24", (string?)(await TestServer.Json(await server.GetAsync("/api/v4/personal_access_tokens/1")))["expires_at"]);
        Assert.Equal("2026-08-01", (string?)(await TestServer.Json(await server.GetAsync($"/api/v4/personal_access_tokens/{withExpiry}")))["expires_at"]);
        Assert.Equal(0, (await WithScopeAsync(server, sp => sp.GetRequiredService<ExpiryBackfill>().RevertAsync(dryRun: true, CancellationToken.None))).Total);
    }

    [Fact]
    public async Task Revert_never_brings_an_expired_token_back()
    {
        var (server, personal, _, _) = await SeedAsync(DatabaseEngine.Sqlite);
        await using var _ = server;
        await WithScopeAsync(server, sp => sp.GetRequiredService<ExpiryBackfill>().BackfillAsync(new DateOnly(2025, 1, 1), dryRun: false, CancellationToken.None));
        // Expired on 2026-01-01, before "today" (2026-06-01).
        var result = await WithScopeAsync(server, sp => sp.GetRequiredService<ExpiryBackfill>().RevertAsync(dryRun: false, CancellationToken.None));
        Assert.Equal(0, result.Total);
        Assert.Equal(5, result.Skipped);
        // (Root's own token expired with the rest, so look in the database.)
        var stored = await WithScopeAsync(server, sp => sp.GetRequiredService<TokenwardDb>().PersonalAccessTokens.SingleAsync(t => t.Id == personal));
        Assert.Equal(new DateOnly(2026, 1, 1), stored.ExpiresAt);
    }

    [Fact]
    public async Task The_cli_runs_backfill_and_revert_with_dry_run_and_json()
    {
        var dir = Directory.CreateTempSubdirectory("tokenward-backfill-cli-").FullName;
        try
        {
            var env = new Dictionary<string, string> { ["TOKENWARD_REQUIRE_TOKEN_EXPIRY"] = "false" };
            var created = await TokenwardProcess.RunAsync(env, "users", "create-token", "root", "--name", "n", "--scopes", "api", "--data-dir", dir);
            Assert.Equal(1, created.ExitCode); // no root yet: the database is empty

            // A first serve bootstraps root (with a token that has no expiry, as the policy allows here).
            var port = Ports.Free();
            await using (await ServeProcess.StartAsync(
                new Dictionary<string, string>(env) { ["TOKENWARD_INITIAL_ROOT_TOKEN"] = TestServer.RootToken },
                ["serve", "--urls", $"http://127.0.0.1:{port}", "--data-dir", dir],
                new Uri($"http://127.0.0.1:{port}")))
            {
            }

            var dry = await TokenwardProcess.RunAsync(env, "tokens", "backfill-expiry", "--date", "2026-11-01", "--dry-run", "--format", "json", "--data-dir", dir);
            Assert.True(dry.ExitCode == 0, dry.Stderr);
            var json = System.Text.Json.Nodes.JsonNode.Parse(dry.Stdout)!;
            Assert.Equal(1, (int)json["per_kind"]!["personal"]!);
            Assert.True((bool)json["dry_run"]!);

            var run = await TokenwardProcess.RunAsync(env, "tokens", "backfill-expiry", "--date", "2026-11-01", "--data-dir", dir);
            Assert.True(run.ExitCode == 0, run.Stderr);
            Assert.Contains("1 tokens got expiry 2027-11-01", run.Stdout, StringComparison.Ordinal);
            var revert = await TokenwardProcess.RunAsync(env, "tokens", "revert-backfill", "--data-dir", dir);
            Assert.Contains("1 tokens lost their backfilled expiry", revert.Stdout, StringComparison.Ordinal);
            var audit = await File.ReadAllTextAsync(Path.Combine(dir, "log", "audit_json.log"));
            Assert.Contains("\"expiry_backfill\"", audit, StringComparison.Ordinal);
            Assert.Contains("CLI on ", audit, StringComparison.Ordinal);

            var listed = await TokenwardProcess.RunAsync(env, "audit", "list", "--entity-type", "Instance", "--data-dir", dir);
            Assert.True(listed.ExitCode == 0, listed.Stderr);
            Assert.Contains("expiry_backfill_reverted", listed.Stdout, StringComparison.Ordinal);
            var listedJson = System.Text.Json.Nodes.JsonNode.Parse((await TokenwardProcess.RunAsync(env, "audit", "list", "--format", "json", "--limit", "2", "--data-dir", dir)).Stdout)!;
            Assert.Equal(2, listedJson.AsArray().Count);
            Assert.Equal("expiry_backfill_reverted", (string?)listedJson[0]!["event_name"]);

            var bad = await TokenwardProcess.RunAsync(env, "tokens", "backfill-expiry", "--date", "tomorrow", "--data-dir", dir);
            Assert.Equal(1, bad.ExitCode);
            Assert.Contains("--date must be a date", bad.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
