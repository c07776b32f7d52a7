using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;
using Tokenward.Toolkit;

namespace Tokenward.Tests.Toolkit;

public class TokenReportsTests
{
    private static async Task<List<ReportRow>> ReportAsync(ToolkitData data, FilterInput input, Func<TokenFilter, TokenFilter> select)
    {
        await using var scope = data.Server.Services.CreateAsyncScope();
        var inventory = scope.ServiceProvider.GetRequiredService<TokenInventory>();
        var filter = select(await inventory.ResolveAsync(input, CancellationToken.None));
        return await inventory.StreamAsync(filter, CancellationToken.None).ToListAsync();
    }

    private static Func<TokenFilter, TokenFilter> On(DateOnly d) => f => f with { ExpiresFrom = d, ExpiresTo = d };

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Expiring_on_a_date_follows_the_seed(DatabaseEngine engine)
    {
        var data = await ToolkitData.CreateAsync(engine);
        await using var _ = data.Server;

        var rows = await ReportAsync(data, new FilterInput(), On(ToolkitData.D));
        // Not the revoked one, not the blocked user's, not the day before or after.
        Assert.Equal(data.ListedOnD.Order(), rows.Select(r => r.Id).Order());
        Assert.Equal("impersonation", rows.Single(r => r.Id == data.ImpersonationOnD).Kind);
        var team = rows.Single(r => r.Id == data.TeamToken);
        Assert.Equal(("group", "group", data.Team, "team", true), (team.Kind, team.ResourceType, team.ResourceId!.Value, team.ResourcePath, team.ExpiryBackfilled));
        var svc = rows.Single(r => r.Id == data.SvcToken);
        Assert.Equal(("project", data.Svc), (svc.Kind, svc.ResourceId!.Value));
        Assert.False(rows.Single(r => r.Id == data.SubToken).ExpiryBackfilled);

        var withBlocked = await ReportAsync(data, new FilterInput(IncludeBlocked: true), On(ToolkitData.D));
        Assert.Equal(data.ListedOnD.Append(data.BlockedOnD).Order(), withBlocked.Select(r => r.Id).Order());
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Filters_select_by_kind_owner_group_subtree_project_and_scope(DatabaseEngine engine)
    {
        var data = await ToolkitData.CreateAsync(engine);
        await using var _ = data.Server;

        async Task<long[]> Ids(FilterInput input) => (await ReportAsync(data, input, On(ToolkitData.D))).Select(r => r.Id).Order().ToArray();
        Assert.Equal(new[] { data.TeamToken, data.SubToken, data.OtherToken }.Order(), await Ids(new FilterInput(Kinds: ["group"])));
        Assert.Equal(new[] { data.OnD, data.ReadApiOnD }.Order(), await Ids(new FilterInput(Kinds: ["personal"])));
        Assert.Equal([data.ImpersonationOnD], await Ids(new FilterInput(Kinds: ["impersonation"])));
        Assert.Equal(new[] { data.TeamToken, data.SubToken, data.SvcToken }.Order(), await Ids(new FilterInput(Group: "team")));
        Assert.Equal(new[] { data.SubToken, data.SvcToken }.Order(), await Ids(new FilterInput(Group: "team/sub")));
        Assert.Equal([data.SvcToken], await Ids(new FilterInput(Project: "team/sub/svc")));
        Assert.Empty(await Ids(new FilterInput(Group: "other", Project: "team/sub/svc")));
        Assert.Equal(new[] { data.OnD, data.ImpersonationOnD, data.ReadApiOnD }.Order(), await Ids(new FilterInput(User: "alice")));
        Assert.Equal(new[] { data.ReadApiOnD, data.TeamToken, data.SubToken, data.SvcToken, data.OtherToken }.Order(), await Ids(new FilterInput(Scope: "read_api")));
        Assert.Equal(new[] { data.TeamToken, data.SubToken, data.OtherToken }.Order(), await Ids(new FilterInput(Kinds: ["group,impersonation"], Scope: "create_runner")));

        var unknown = await Assert.ThrowsAsync<ToolkitException>(() => ReportAsync(data, new FilterInput(User: "nobody"), f => f));
        Assert.True(unknown.NotFound);
        await Assert.ThrowsAsync<ToolkitException>(() => ReportAsync(data, new FilterInput(Kinds: ["robot"]), f => f));
        await Assert.ThrowsAsync<ToolkitException>(() => ReportAsync(data, new FilterInput(Scope: "everything"), f => f));
        Assert.True((await Assert.ThrowsAsync<ToolkitException>(() => ReportAsync(data, new FilterInput(Group: "nowhere"), f => f))).NotFound);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Ranges_include_both_ends_and_no_expiry_lists_tokens_without_one(DatabaseEngine engine)
    {
        var data = await ToolkitData.CreateAsync(engine);
        await using var _ = data.Server;

        // --within 1m from today (2026-06-01) ends on 2026-07-01: the day after is out, the day before in.
        var to = Period.TryParse("1m", out var month) ? month.After(new DateOnly(2026, 6, 1)) : default;
        Assert.Equal(ToolkitData.D, to);
        var within = await ReportAsync(data, new FilterInput(User: "alice"), f => f with { ExpiresFrom = new DateOnly(2026, 6, 1), ExpiresTo = to });
        Assert.Equal(new[] { data.DayBefore, data.OnD, data.ImpersonationOnD, data.ReadApiOnD }, within.Select(r => r.Id));

        var none = await ReportAsync(data, new FilterInput(User: "alice"), f => f with { NoExpiry = true });
        Assert.Equal([data.NoExpiry], none.Select(r => r.Id));
        var blockedToo = await ReportAsync(data, new FilterInput(Kinds: ["personal"], IncludeBlocked: true), f => f with { NoExpiry = true });
        Assert.Contains(data.BlockedNoExpiry, blockedToo.Select(r => r.Id));
        Assert.DoesNotContain(data.BlockedNoExpiry, (await ReportAsync(data, new FilterInput(), f => f with { NoExpiry = true })).Select(r => r.Id));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Expiry_dates_count_active_tokens_most_first(DatabaseEngine engine)
    {
        var data = await ToolkitData.CreateAsync(engine);
        await using var _ = data.Server;
        await using var scope = data.Server.Services.CreateAsyncScope();
        var inventory = scope.ServiceProvider.GetRequiredService<TokenInventory>();

        var dates = await inventory.ExpiryDatesAsync(new TokenFilter(), new DateOnly(2026, 6, 1), 10, CancellationToken.None);
        // Out of 9 active tokens with a date (root's among them).
        Assert.Equal(new ExpiryDateCount(ToolkitData.D, 7) { ActiveWithDate = 9 }, dates[0]);
        // Ties: soonest first.
        Assert.Equal([new ExpiryDateCount(new DateOnly(2026, 6, 30), 1) { ActiveWithDate = 9 }, new ExpiryDateCount(new DateOnly(2026, 7, 2), 1) { ActiveWithDate = 9 }], dates.Skip(1));
        Assert.Single(await inventory.ExpiryDatesAsync(new TokenFilter(), new DateOnly(2026, 6, 1), 1, CancellationToken.None));
        // Tokens expiring today are expired already: from 2026-06-30 on, only later dates count.
        var later = await inventory.ExpiryDatesAsync(new TokenFilter(), new DateOnly(2026, 6, 30), 10, CancellationToken.None);
        Assert.DoesNotContain(later, d => d.Date <= new DateOnly(2026, 6, 30));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Lines_are_the_seed_scripts_sentences(DatabaseEngine engine)
    {
        var data = await ToolkitData.CreateAsync(engine);
        await using var _ = data.Server;

        var rows = await ReportAsync(data, new FilterInput(), On(ToolkitData.D));
        Assert.Equal("Expired personal access token ID: " + data.OnD + ", User Email: alice@example.com, Name: ci, Scopes: [\"api\"], Last used: 2026-05-01 10:00:00 UTC",
            SeedLines.Expired(rows.Single(r => r.Id == data.OnD)));
        Assert.Equal($"Expired Group access token in Group ID {data.Team}, Token ID: {data.TeamToken}, Name: team token, Scopes: [\"read_api\", \"create_runner\"], Last used: ",
            SeedLines.Expired(rows.Single(r => r.Id == data.TeamToken)));
        Assert.Equal($"Expires_at is nil for Project access token in Project ID {data.Svc}, Token ID: {data.SvcToken}, Name: svc token, Scopes: [\"read_api\", \"create_runner\"], Last used: ",
            SeedLines.NoExpiry(rows.Single(r => r.Id == data.SvcToken)));
        Assert.Equal("42 Personal access tokens will expire at 2024-06-27", SeedLines.ExpiryDate(new ExpiryDateCount(new DateOnly(2024, 6, 27), 42)));

        using var csv = new MemoryStream();
        var count = await ReportWriter.WriteAsync(rows.ToAsyncEnumerable(), ReportFormat.Csv, csv, SeedLines.Expired, CancellationToken.None);
        var lines = System.Text.Encoding.UTF8.GetString(csv.ToArray()).TrimEnd().Split('\n');
        Assert.Equal(count + 1, lines.Length);
        Assert.StartsWith("id,kind,name,", lines[0]);
        Assert.Contains(lines, l => l.StartsWith($"{data.TeamToken},group,team token,", StringComparison.Ordinal) && l.Contains(",read_api create_runner,2026-07-01,", StringComparison.Ordinal));
    }

    [Fact]
    public void Periods_are_calendar_spans()
    {
        Assert.True(Period.TryParse("1m", out var m));
        Assert.Equal(new DateOnly(2026, 2, 28), m.After(new DateOnly(2026, 1, 31)));
        Assert.True(Period.TryParse("2w", out var w));
        Assert.Equal(new DateOnly(2026, 1, 15), w.After(new DateOnly(2026, 1, 1)));
        Assert.True(Period.TryParse("30 days", out var d));
        Assert.Equal(new DateOnly(2026, 1, 31), d.After(new DateOnly(2026, 1, 1)));
        Assert.True(Period.TryParse("1.year", out var y));
        Assert.Equal(new DateOnly(2027, 1, 1), y.After(new DateOnly(2026, 1, 1)));
        Assert.False(Period.TryParse("soon", out _));
        Assert.False(Period.TryParse("0d", out _));
        Assert.False(Period.TryParse("-1m", out _));
    }
}
