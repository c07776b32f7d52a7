using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Storage;
using Tokenward.Tests.Cli;
using Tokenward.Tests.Infrastructure;
using Tokenward.Toolkit;

namespace Tokenward.Tests.Toolkit;

/// <summary>
/// <c>tokens policy-preview</c> and <c>settings set</c>'s preview over <see cref="ToolkitData"/>
/// (clock 2026-06-01) with some of alice's tokens and the project token far out: a maximum of 90
/// days allows 2026-08-30 at most.
/// </summary>
public class PolicyPreviewTests
{
    private static readonly DateOnly Latest = new(2026, 8, 30);

    private static async Task<T> WithAsync<T>(ToolkitData data, Func<IServiceProvider, TokenwardDb, Task<T>> body)
    {
        await using var scope = data.Server.Services.CreateAsyncScope();
        return await body(scope.ServiceProvider, scope.ServiceProvider.GetRequiredService<TokenwardDb>());
    }

    private static Task<int> MoveAsync(ToolkitData data, long id, DateOnly? to) =>
        WithAsync(data, (_, db) => db.PersonalAccessTokens.Where(t => t.Id == id).ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, to)));

    private static Task<PolicyPreviewResult> PreviewAsync(ToolkitData data, bool? requireExpiry, int? maxLifetime) =>
        WithAsync(data, async (services, _) =>
        {
            var filter = await services.GetRequiredService<TokenInventory>().ResolveAsync(new FilterInput(), CancellationToken.None);
            return await services.GetRequiredService<PolicyPreview>().PreviewAsync(filter, requireExpiry, maxLifetime, CancellationToken.None);
        });

    /// <summary>Alice's tokens until 2026-10-01 and 2027-01-01 (and one on 2026-08-30, just allowed); the project token until 2026-11-01.</summary>
    private static async Task<(long October, long January)> FarOutAsync(ToolkitData data)
    {
        var october = (await data.Server.CreateTokenAsync(data.Alice, ["api"], "2026-10-01", "october")).Id;
        var january = (await data.Server.CreateTokenAsync(data.Alice, ["api"], "2027-01-01", "january")).Id;
        _ = await data.Server.CreateTokenAsync(data.Alice, ["api"], "2026-08-30", "just allowed");
        await MoveAsync(data, data.SvcToken, new DateOnly(2026, 11, 1));
        return (october, january);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task The_preview_counts_per_owner_and_kind_and_rotation_does_what_it_says(DatabaseEngine engine)
    {
        var data = await ToolkitData.CreateAsync(engine);
        await using var _ = data.Server;
        var (october, january) = await FarOutAsync(data);

        var preview = await PreviewAsync(data, requireExpiry: true, maxLifetime: 90);
        Assert.Equal((Latest, new DateOnly(2026, 6, 8)), (preview.Latest, preview.RotationExpiry));
        var alice = Assert.Single(preview.Owners, o => o.Owner == "alice" && o.Kind == "personal");
        Assert.Equal((2, 1, new DateOnly(2026, 10, 1)), (alice.Shortened, alice.GetExpiry, alice.EarliestExpiry));
        var svc = Assert.Single(preview.Owners, o => o.Kind == "project");
        Assert.Equal((1, 0, new DateOnly(2026, 11, 1)), (svc.Shortened, svc.GetExpiry, svc.EarliestExpiry));
        Assert.StartsWith("project ", svc.Owner, StringComparison.Ordinal);
        Assert.DoesNotContain(preview.Owners, o => o.Owner == "bob");
        Assert.Equal(1, preview.Shortened["project"]);
        Assert.Equal(preview.Owners.Sum(o => o.Shortened + o.GetExpiry), preview.Affected);

        // Without requiring an expiry, tokens without one are not touched: a rotation keeps them without.
        var lifetimeOnly = await PreviewAsync(data, requireExpiry: null, maxLifetime: 90);
        Assert.Equal(0, lifetimeOnly.GetExpiry.Values.Sum());
        Assert.Null(lifetimeOnly.RotationExpiry);
        Assert.Equal(preview.Shortened.Values.Sum(), lifetimeOnly.Shortened.Values.Sum());
        Assert.Equal(0, (await PreviewAsync(data, requireExpiry: null, maxLifetime: null)).Affected);

        // Applied, rotation agrees with the preview: no date gives its rotation_expiry, a shortened
        // token cannot keep its date, and gets the preview's latest at most.
        await Expect.StatusAsync(await data.Server.Client.SendAsync(TestServer.Request(HttpMethod.Put, "/api/v4/application/settings",
            content: System.Net.Http.Json.JsonContent.Create(new { require_personal_access_token_expiry = true, max_personal_access_token_lifetime = 90 }))), 200);
        var rotated = await data.Server.PostJsonAsync($"/api/v4/personal_access_tokens/{data.NoExpiry}/rotate", new { });
        await Expect.StatusAsync(rotated, 200);
        Assert.Equal("2026-06-08", (string?)(await TestServer.Json(rotated))["expires_at"]);
        await Expect.StatusAsync(await data.Server.PostJsonAsync($"/api/v4/personal_access_tokens/{january}/rotate", new { expires_at = "2027-01-01" }), 400);
        await Expect.StatusAsync(await data.Server.PostJsonAsync($"/api/v4/personal_access_tokens/{january}/rotate", new { expires_at = "2026-08-31" }), 400);
        var kept = await data.Server.PostJsonAsync($"/api/v4/personal_access_tokens/{october}/rotate", new { expires_at = Latest.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) });
        await Expect.StatusAsync(kept, 200);
        Assert.Equal("2026-08-30", (string?)(await TestServer.Json(kept))["expires_at"]);

        // The admin API answers the same preview.
        var api = await TestServer.Json(await data.Server.GetAsync("/api/v4/admin/tokens/policy_preview?max_lifetime=30&require_expiry=true"));
        Assert.Equal("2026-07-01", (string?)api["latest_expiry"]);
        Assert.Equal((int)api["shortened"]! + (int)api["get_expiry"]!, api["owners"]!.AsArray().Sum(o => (int)o!["shortened"]! + (int)o["get_expiry"]!));
        await Expect.StatusAsync(await data.Server.GetAsync("/api/v4/admin/tokens/policy_preview?max_lifetime=0"), 400);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Settings_set_shows_the_preview_and_needs_yes_for_a_stricter_policy(DatabaseEngine engine)
    {
        var data = await ToolkitData.CreateAsync(engine);
        await using var _ = data.Server;
        // The CLI runs on the real clock: a token far out from today, whatever today is.
        var far = (await data.Server.CreateTokenAsync(data.Alice, ["api"], "2026-10-01", "far")).Id;
        await MoveAsync(data, far, DateOnly.FromDateTime(DateTime.UtcNow).AddDays(200));
        string[] args = Engines.CliArgs(data.Server.Settings.Database, data.Server.Dir);
        // A change stores the policy, so the CLI reads the server's rather than its own configured default.
        await Expect.StatusAsync(await data.Server.Client.SendAsync(TestServer.Request(HttpMethod.Put, "/api/v4/application/settings",
            content: System.Net.Http.Json.JsonContent.Create(new { require_personal_access_token_expiry = false, max_personal_access_token_lifetime = 364 }))), 200);

        var preview = await TokenwardProcess.RunAsync(null, ["tokens", "policy-preview", "--max-lifetime", "90", "--require-expiry", .. args]);
        Assert.True(preview.ExitCode == 0, preview.Stderr);
        Assert.Matches(@"\nalice\s+personal\s+\d+\s+1\s+1\s+\d{4}-\d\d-\d\d\n", preview.Stdout);
        var csv = await TokenwardProcess.RunAsync(null, ["tokens", "policy-preview", "--max-lifetime", "90", "--user", "alice", "--format", "csv", .. args]);
        Assert.StartsWith("owner,kind,user_id,shortened,get_expiry,earliest_expiry\n", csv.Stdout, StringComparison.Ordinal);
        Assert.Contains($"alice,personal,{data.Alice},1,0,", csv.Stdout, StringComparison.Ordinal);
        var json = JsonNode.Parse((await TokenwardProcess.RunAsync(null, ["tokens", "policy-preview", "--max-lifetime", "90", "--user", "alice", "--format", "json", .. args])).Stdout)!;
        Assert.Equal(1, (int)json["per_kind"]!["personal"]!["shortened"]!);

        var refused = await TokenwardProcess.RunAsync(null, ["settings", "set", "--max-token-lifetime", "90", .. args]);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("add --yes to apply it", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("alice", refused.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", refused.Stderr, StringComparison.Ordinal);
        await Expect.BodyAsync(await data.Server.GetAsync("/api/v4/application/settings"), 200,
            """{"require_personal_access_token_expiry":false,"max_personal_access_token_lifetime":364}""");

        var applied = await TokenwardProcess.RunAsync(null, ["settings", "set", "--max-token-lifetime", "90", "--yes", .. args]);
        Assert.True(applied.ExitCode == 0, applied.Stderr);
        Assert.Contains("would be shortened", applied.Stdout, StringComparison.Ordinal);
        await Expect.BodyAsync(await data.Server.GetAsync("/api/v4/application/settings"), 200,
            """{"require_personal_access_token_expiry":false,"max_personal_access_token_lifetime":90}""");

        // Looser needs no --yes: it shortens nothing.
        Assert.Equal(0, (await TokenwardProcess.RunAsync(null, ["settings", "set", "--max-token-lifetime", "120", .. args])).ExitCode);
    }
}
