using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;
using Tokenward.Toolkit;

namespace Tokenward.Tests.Toolkit;

/// <summary>
/// <c>tokens extend --spread</c> over a cliff: <see cref="CliffSize"/> tokens on one day (besides
/// <see cref="ToolkitData"/>'s), on a server whose clock says 2026-06-01.
/// </summary>
public class SpreadTests
{
    private const int CliffSize = 200;

    private static readonly DateOnly Cliff = new(2026, 8, 1);

    /// <summary>A Tuesday: the four weeks from it hold 20 workdays.</summary>
    private static readonly DateOnly Start = new(2026, 9, 1);

    private static readonly Period FourWeeks = new(4, 'w');

    private static async Task<T> WithAsync<T>(ToolkitData data, Func<TokenChanges, TokenFilter, TokenwardDb, Task<T>> body)
    {
        await using var scope = data.Server.Services.CreateAsyncScope();
        var filter = await scope.ServiceProvider.GetRequiredService<TokenInventory>().ResolveAsync(new FilterInput(), CancellationToken.None);
        return await body(scope.ServiceProvider.GetRequiredService<TokenChanges>(), filter, scope.ServiceProvider.GetRequiredService<TokenwardDb>());
    }

    /// <summary>Adds <paramref name="count"/> of alice's tokens expiring on <see cref="Cliff"/>, in id order.</summary>
    internal static async Task<List<long>> CliffAsync(ToolkitData data, int count) =>
        await WithAsync(data, async (_, _, db) =>
        {
            return await SeededTokens.AddAsync(db, data.Alice, Enumerable.Repeat<DateOnly?>(Cliff, count), "cliff");
        });

    private static Task<Dictionary<long, DateOnly?>> ExpiriesAsync(ToolkitData data, IEnumerable<long> ids)
    {
        var list = ids.ToList();
        return WithAsync(data, (_, _, db) => db.PersonalAccessTokens.Where(t => list.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.ExpiresAt));
    }

    private static Task<ChangeResult> SpreadAsync(ToolkitData data, bool workdays, bool dryRun, IProgress<int>? progress = null, CancellationToken ct = default) =>
        WithAsync(data, (c, f, _) => c.SpreadAsync(f, Cliff, Start, FourWeeks, workdays, false, false, dryRun, progress, null, ct));

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_cliff_is_spread_evenly_the_same_way_every_time_and_audited(DatabaseEngine engine)
    {
        var data = await ToolkitData.CreateAsync(engine);
        await using var _ = data.Server;
        var cliff = await CliffAsync(data, CliffSize);

        var first = await WithAsync(data, (c, f, _) => c.SpreadPlanAsync(f, Cliff, Start, FourWeeks, false, CancellationToken.None));
        var dry = await SpreadAsync(data, workdays: false, dryRun: true);
        var second = await WithAsync(data, (c, f, _) => c.SpreadPlanAsync(f, Cliff, Start, FourWeeks, false, CancellationToken.None));
        Assert.Equal(first.Dates.OrderBy(kv => kv.Key), second.Dates.OrderBy(kv => kv.Key));
        Assert.All(await ExpiriesAsync(data, cliff), kv => Assert.Equal(Cliff, kv.Value));

        // Every day of the window, none off by more than one token.
        Assert.Equal(CliffSize, dry.Total);
        Assert.Equal((Start, new DateOnly(2026, 9, 28)), (dry.Spread!.From, dry.Spread.To));
        Assert.Equal(28, dry.Spread.PerDay.Count);
        Assert.InRange(dry.Spread.PerDay.Max(d => d.Tokens) - dry.Spread.PerDay.Min(d => d.Tokens), 0, 1);
        Assert.Equal(CliffSize, dry.Spread.PerDay.Sum(d => d.Tokens));

        var done = await SpreadAsync(data, workdays: false, dryRun: false);
        Assert.Equal(CliffSize, done.Changed);
        var after = await ExpiriesAsync(data, cliff);
        Assert.All(cliff, id => Assert.Equal(first.Dates[id], after[id]));
        var perDay = after.Values.CountBy(d => d!.Value).Select(kv => kv.Value).ToList();
        Assert.Equal(28, perDay.Count);
        Assert.InRange(perDay.Max() - perDay.Min(), 0, 1);

        var events = await WithAsync(data, (_, _, db) => db.AuditEvents.Where(e => e.EventName == "personal_access_token_expiry_changed").ToListAsync());
        Assert.Equal(CliffSize, events.Count);
        var one = System.Text.Json.Nodes.JsonNode.Parse(Assert.Single(events, e => e.TargetId == cliff[0]).Details)!;
        Assert.Equal((Cliff.ToString("yyyy-MM-dd"), first.Dates[cliff[0]].ToString("yyyy-MM-dd")), ((string?)one["before"]!["expires_at"], (string?)one["after"]!["expires_at"]));
        Assert.StartsWith("spread:2026-08-01:2026-09-01_2026-09-29:alldays:", (string?)one["spread"], StringComparison.Ordinal);

        var again = await SpreadAsync(data, workdays: false, dryRun: false);
        Assert.Equal((0, 0), (again.Total, again.Changed));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Workdays_skip_saturdays_and_sundays(DatabaseEngine engine)
    {
        var data = await ToolkitData.CreateAsync(engine);
        await using var _ = data.Server;
        var cliff = await CliffAsync(data, CliffSize);

        var dry = await SpreadAsync(data, workdays: true, dryRun: true);
        Assert.Equal(20, dry.Spread!.PerDay.Count);
        Assert.All(dry.Spread.PerDay, d => Assert.Equal(CliffSize / 20, d.Tokens));

        await SpreadAsync(data, workdays: true, dryRun: false);
        var dates = (await ExpiriesAsync(data, cliff)).Values.Select(d => d!.Value).ToList();
        Assert.DoesNotContain(dates, d => d.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday);
        Assert.Equal(20, dates.Distinct().Count());
        Assert.All(dates, d => Assert.InRange(d, Start, new DateOnly(2026, 9, 28)));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task An_interrupted_spread_reruns_to_the_dates_an_uninterrupted_one_gives(DatabaseEngine engine)
    {
        var data = await ToolkitData.CreateAsync(engine);
        await using var _ = data.Server;
        var cliff = await CliffAsync(data, (2 * TokenChanges.BatchSize) + 500);
        var plan = await WithAsync(data, (c, f, _) => c.SpreadPlanAsync(f, Cliff, Start, FourWeeks, true, CancellationToken.None));

        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress(_ => cancel.Cancel());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SpreadAsync(data, workdays: true, dryRun: false, progress, cancel.Token));
        var moved = (await ExpiriesAsync(data, cliff)).Count(kv => kv.Value != Cliff);
        Assert.Equal(TokenChanges.BatchSize, moved);

        // The rest, ranked with the tokens moved already: the same plan, so the same dates.
        var rest = await WithAsync(data, (c, f, _) => c.SpreadPlanAsync(f, Cliff, Start, FourWeeks, true, CancellationToken.None));
        Assert.Equal(TokenChanges.BatchSize, rest.AlreadyMoved);
        Assert.All(rest.Dates, kv => Assert.Equal(plan.Dates[kv.Key], kv.Value));
        var rerun = await SpreadAsync(data, workdays: true, dryRun: false);
        Assert.Equal(TokenChanges.BatchSize + 500, rerun.Changed);
        var after = await ExpiriesAsync(data, cliff);
        Assert.All(cliff, id => Assert.Equal(plan.Dates[id], after[id]));
        Assert.Equal(cliff.Count, await WithAsync(data, (_, _, db) => db.AuditEvents.CountAsync(e => e.EventName == "personal_access_token_expiry_changed")));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_window_that_would_shorten_pass_the_policy_or_the_calendar_is_refused(DatabaseEngine engine)
    {
        var data = await ToolkitData.CreateAsync(engine);
        await using var _ = data.Server;
        var cliff = await CliffAsync(data, 10);

        async Task<string> RefusedAsync(DateOnly start, Period length, bool workdays = false) =>
            (await Assert.ThrowsAsync<ToolkitException>(() => WithAsync(data, (c, f, _) => c.SpreadAsync(f, Cliff, start, length, workdays, false, false, false, null, null, CancellationToken.None)))).Message;

        Assert.Contains("never shortens", await RefusedAsync(new DateOnly(2026, 7, 15), FourWeeks), StringComparison.Ordinal);
        Assert.Contains("never shortens", await RefusedAsync(Cliff, FourWeeks), StringComparison.Ordinal);
        // Maximum lifetime 365 days from 2026-06-01: the window's last day may be 2027-06-01 at most.
        Assert.Contains("maximum token lifetime", await RefusedAsync(new DateOnly(2027, 5, 20), FourWeeks), StringComparison.Ordinal);
        Assert.Contains("9999-12-31", await RefusedAsync(new DateOnly(9999, 12, 20), FourWeeks), StringComparison.Ordinal);
        Assert.Contains("no workday", await RefusedAsync(new DateOnly(2026, 9, 5), new Period(2, 'd'), workdays: true), StringComparison.Ordinal);
        Assert.All(await ExpiriesAsync(data, cliff), kv => Assert.Equal(Cliff, kv.Value));

        var forced = await WithAsync(data, (c, f, _) => c.SpreadAsync(f, Cliff, new DateOnly(2027, 5, 20), FourWeeks, false, false, ignorePolicy: true, false, null, null, CancellationToken.None));
        Assert.Equal(10, forced.Changed);
    }

    /// <summary>Reports on the caller's thread, so a test can stop a run at an exact point.</summary>
    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
