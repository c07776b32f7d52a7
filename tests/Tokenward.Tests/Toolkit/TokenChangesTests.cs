using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;
using Tokenward.Toolkit;

namespace Tokenward.Tests.Toolkit;

public class TokenChangesTests
{
    private static async Task<T> WithAsync<T>(ToolkitData data, Func<TokenChanges, TokenFilter, TokenwardDb, Task<T>> body)
    {
        await using var scope = data.Server.Services.CreateAsyncScope();
        var filter = await scope.ServiceProvider.GetRequiredService<TokenInventory>().ResolveAsync(new FilterInput(), CancellationToken.None);
        return await body(scope.ServiceProvider.GetRequiredService<TokenChanges>(), filter, scope.ServiceProvider.GetRequiredService<TokenwardDb>());
    }

    private static Task<Dictionary<long, DateOnly?>> ExpiriesAsync(ToolkitData data) =>
        WithAsync(data, (_, _, db) => db.PersonalAccessTokens.ToDictionaryAsync(t => t.Id, t => t.ExpiresAt));

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Extend_changes_active_non_impersonation_tokens_and_only_backfilled_bot_tokens(DatabaseEngine engine)
    {
        var data = await ToolkitData.CreateAsync(engine);
        await using var _ = data.Server;
        var to = new DateOnly(2026, 12, 1);

        var plan = await WithAsync(data, (c, f, _) => c.ExtendAsync(f, ToolkitData.D, to, false, false, dryRun: true, null, null, CancellationToken.None));
        Assert.Equal(new Dictionary<string, int> { ["personal"] = 2, ["impersonation"] = 0, ["project"] = 1, ["group"] = 1 }, plan.Selected);
        Assert.Equal(2, plan.Skipped);
        Assert.Contains("backfill", plan.SkippedReason, StringComparison.Ordinal);
        Assert.Equal(ToolkitData.D, (await ExpiriesAsync(data))[data.OnD]);

        var done = await WithAsync(data, (c, f, _) => c.ExtendAsync(f, ToolkitData.D, to, false, false, dryRun: false, null, null, CancellationToken.None));
        Assert.Equal(4, done.Changed);
        var after = await ExpiriesAsync(data);
        foreach (var id in new[] { data.OnD, data.ReadApiOnD, data.TeamToken, data.SvcToken })
        {
            Assert.Equal(to, after[id]);
        }

        foreach (var id in new[] { data.ImpersonationOnD, data.SubToken, data.OtherToken, data.RevokedOnD, data.BlockedOnD })
        {
            Assert.Equal(ToolkitData.D, after[id]);
        }

        var events = (await TestServer.Json(await data.Server.GetAsync("/api/v4/audit_events?per_page=100"))).AsArray()
            .Where(e => ((string?)e!["event_name"])!.EndsWith("_expiry_changed", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, events.Count);
        var team = Assert.Single(events, e => (long)e!["target_id"]! == data.TeamToken)!;
        Assert.Equal(("group_access_token_expiry_changed", "Group", data.Team), ((string?)team["event_name"], (string?)team["entity_type"], (long)team["entity_id"]!));
        Assert.Equal("2026-12-01", (string?)team["details"]!["after"]!["expires_at"]);

        // Run again: nothing left on the date, nothing applied twice.
        var again = await WithAsync(data, (c, f, _) => c.ExtendAsync(f, ToolkitData.D, to, false, false, dryRun: false, null, null, CancellationToken.None));
        Assert.Equal((0, 0), (again.Total, again.Changed));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Extend_respects_the_policy_and_refuses_passed_dates(DatabaseEngine engine)
    {
        var data = await ToolkitData.CreateAsync(engine);
        await using var _ = data.Server;

        // Maximum lifetime 365 days from 2026-06-01: 2027-06-01 at most.
        var far = await Assert.ThrowsAsync<ToolkitException>(() => WithAsync(data, (c, f, _) => c.ExtendAsync(f, ToolkitData.D, new DateOnly(2027, 6, 2), false, false, false, null, null, CancellationToken.None)));
        Assert.Contains("maximum token lifetime", far.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ToolkitException>(() => WithAsync(data, (c, f, _) => c.ExtendAsync(f, new DateOnly(2026, 6, 1), new DateOnly(2026, 9, 1), false, false, false, null, null, CancellationToken.None)));
        await Assert.ThrowsAsync<ToolkitException>(() => WithAsync(data, (c, f, _) => c.ExtendAsync(f, ToolkitData.D, new DateOnly(2026, 6, 1), false, false, false, null, null, CancellationToken.None)));

        // A group's own limit covers the tokens below it.
        await Expect.StatusAsync(await data.Server.Client.SendAsync(TestServer.Request(HttpMethod.Put, $"/api/v4/groups/{data.Team}", content: System.Net.Http.Json.JsonContent.Create(new { max_personal_access_token_lifetime = 60 }))), 200);
        var limited = await Assert.ThrowsAsync<ToolkitException>(() => WithAsync(data, (c, f, _) => c.ExtendAsync(f, ToolkitData.D, new DateOnly(2026, 12, 1), false, false, false, null, null, CancellationToken.None)));
        Assert.Contains("'team'", limited.Message, StringComparison.Ordinal);
        Assert.Equal(ToolkitData.D, (await ExpiriesAsync(data))[data.OnD]);

        var forced = await WithAsync(data, (c, f, _) => c.ExtendAsync(f, ToolkitData.D, new DateOnly(2027, 12, 1), false, ignorePolicy: true, false, null, null, CancellationToken.None));
        Assert.Equal(4, forced.Changed);

        // Tokens that expired on a passed date come back only when asked.
        await WithAsync(data, (_, _, db) => db.PersonalAccessTokens.Where(t => t.Id == data.DayAfter).ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, new DateOnly(2026, 5, 20))));
        await Assert.ThrowsAsync<ToolkitException>(() => WithAsync(data, (c, f, _) => c.ExtendAsync(f, new DateOnly(2026, 5, 20), new DateOnly(2026, 9, 1), false, false, false, null, null, CancellationToken.None)));
        var revived = await WithAsync(data, (c, f, _) => c.ExtendAsync(f, new DateOnly(2026, 5, 20), new DateOnly(2026, 9, 1), includeExpired: true, false, false, null, null, CancellationToken.None));
        Assert.Equal(1, revived.Changed);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Remove_expiry_only_where_the_policy_allows_it(DatabaseEngine engine)
    {
        var data = await ToolkitData.CreateAsync(engine);
        await using var _ = data.Server;
        await Expect.StatusAsync(await data.Server.Client.SendAsync(TestServer.Request(HttpMethod.Put, "/api/v4/application/settings", content: System.Net.Http.Json.JsonContent.Create(new { require_personal_access_token_expiry = true }))), 200);

        var refused = await Assert.ThrowsAsync<ToolkitException>(() => WithAsync(data, (c, f, _) => c.RemoveExpiryAsync(f, ToolkitData.D, false, false, null, null, CancellationToken.None)));
        Assert.Contains("require_personal_access_token_expiry", refused.Message, StringComparison.Ordinal);

        await Expect.StatusAsync(await data.Server.Client.SendAsync(TestServer.Request(HttpMethod.Put, "/api/v4/application/settings", content: System.Net.Http.Json.JsonContent.Create(new { require_personal_access_token_expiry = false }))), 200);
        var done = await WithAsync(data, (c, f, _) => c.RemoveExpiryAsync(f, ToolkitData.D, false, false, null, null, CancellationToken.None));
        Assert.Equal((4, 2), (done.Changed, done.Skipped));
        var after = await ExpiriesAsync(data);
        Assert.Null(after[data.OnD]);
        Assert.Null(after[data.SvcToken]);
        Assert.Equal(ToolkitData.D, after[data.SubToken]);
        Assert.Equal(ToolkitData.D, after[data.ImpersonationOnD]);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Revoke_blocked_revokes_active_tokens_of_blocked_users_with_an_event_each(DatabaseEngine engine)
    {
        var data = await ToolkitData.CreateAsync(engine);
        await using var _ = data.Server;

        var plan = await WithAsync(data, (c, f, _) => c.RevokeBlockedAsync(f, dryRun: true, null, null, CancellationToken.None));
        Assert.Equal(2, plan.Total);
        var done = await WithAsync(data, (c, f, _) => c.RevokeBlockedAsync(f, dryRun: false, null, null, CancellationToken.None));
        Assert.Equal(2, done.Changed);
        var revoked = await WithAsync(data, (_, _, db) => db.PersonalAccessTokens.Where(t => t.Revoked).Select(t => t.Id).ToListAsync());
        Assert.Equal(new[] { data.RevokedOnD, data.BlockedOnD, data.BlockedNoExpiry }.Order(), revoked.Order());
        var events = (await TestServer.Json(await data.Server.GetAsync($"/api/v4/audit_events?entity_type=User&entity_id={data.Bob}"))).AsArray();
        Assert.Equal(2, events.Count(e => (string?)e!["event_name"] == "personal_access_token_revoked" && (string?)e["details"]!["reason"] == "owner blocked"));
        Assert.Equal(0, (await WithAsync(data, (c, f, _) => c.RevokeBlockedAsync(f, dryRun: false, null, null, CancellationToken.None))).Changed);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task An_interrupted_extend_keeps_whole_batches_and_a_rerun_finishes_the_rest(DatabaseEngine engine)
    {
        var data = await ToolkitData.CreateAsync(engine);
        await using var _ = data.Server;
        await WithAsync(data, async (_, _, db) =>
        {
            var now = DateTime.UtcNow;
            db.PersonalAccessTokens.AddRange(Enumerable.Range(0, 2 * TokenChanges.BatchSize + 500).Select(i => new PersonalAccessToken
            {
                UserId = data.Alice,
                Name = $"bulk {i}",
                TokenDigest = $"digest-{i}",
                Scopes = "[\"api\"]",
                ExpiresAt = new DateOnly(2026, 8, 1),
                CreatedAt = now,
                UpdatedAt = now,
            }));
            return await db.SaveChangesAsync();
        });
        var target = new DateOnly(2026, 10, 1);

        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress(done => cancel.Cancel());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithAsync(data, (c, f, _) => c.ExtendAsync(f, new DateOnly(2026, 8, 1), target, false, false, false, progress, null, cancel.Token)));
        var extended = await WithAsync(data, (_, _, db) => db.PersonalAccessTokens.CountAsync(t => t.ExpiresAt == target));
        Assert.Equal(TokenChanges.BatchSize, extended);
        var events = await WithAsync(data, (_, _, db) => db.AuditEvents.CountAsync(e => e.EventName == "personal_access_token_expiry_changed"));
        Assert.Equal(TokenChanges.BatchSize, events);

        var rest = await WithAsync(data, (c, f, _) => c.ExtendAsync(f, new DateOnly(2026, 8, 1), target, false, false, false, null, null, CancellationToken.None));
        Assert.Equal(TokenChanges.BatchSize + 500, rest.Changed);
        Assert.Equal(2 * TokenChanges.BatchSize + 500, await WithAsync(data, (_, _, db) => db.PersonalAccessTokens.CountAsync(t => t.ExpiresAt == target)));
        Assert.Equal(2 * TokenChanges.BatchSize + 500, await WithAsync(data, (_, _, db) => db.AuditEvents.CountAsync(e => e.EventName == "personal_access_token_expiry_changed")));
    }

    /// <summary>Reports on the caller's thread, unlike <see cref="Progress{T}"/>, so a test can stop a run at an exact point.</summary>
    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
