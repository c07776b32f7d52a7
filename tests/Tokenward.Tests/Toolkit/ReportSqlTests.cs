using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;
using Tokenward.Toolkit;

namespace Tokenward.Tests.Toolkit;

/// <summary>
/// The CLI's plain-SQL reports (<see cref="TokenInventory"/>) and the EF Core query the endpoints
/// and the bulk changes compose (<see cref="TokenRows"/>) must select and describe the same rows,
/// for every filter, on both engines.
/// </summary>
public class ReportSqlTests
{
    private static readonly DateOnly Today = new(2026, 6, 1);

    private static IEnumerable<FilterInput> Inputs() =>
    [
        new(),
        new(IncludeBlocked: true),
        new(Kinds: ["personal"]),
        new(Kinds: ["impersonation"]),
        new(Kinds: ["project"]),
        new(Kinds: ["group"]),
        new(Kinds: ["project,impersonation"], IncludeBlocked: true),
        new(User: "alice"),
        new(User: "bob", IncludeBlocked: true),
        new(Group: "team"),
        new(Group: "TEAM/sub"),
        new(Group: "other", Kinds: ["group"]),
        new(Project: "team/sub/svc"),
        new(Group: "team", Project: "team/sub/svc"),
        new(Scope: "read_api"),
        new(Scope: "api", Kinds: ["personal", "impersonation"]),
    ];

    private static IEnumerable<Func<TokenFilter, TokenFilter>> Dates() =>
    [
        f => f,
        f => f with { ExpiresFrom = ToolkitData.D, ExpiresTo = ToolkitData.D },
        f => f with { ExpiresFrom = Today, ExpiresTo = ToolkitData.D },
        f => f with { ExpiresFrom = ToolkitData.D },
        f => f with { ExpiresTo = ToolkitData.D.AddDays(-1) },
        f => f with { NoExpiry = true },
        // Used on or after a day: the one used at 10:00 on 2026-05-01 is in from that day, out from the next.
        f => f with { UsedFrom = new DateOnly(2026, 5, 1) },
        f => f with { UsedFrom = new DateOnly(2026, 5, 2), ExpiresFrom = Today },
    ];

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Every_rows_kind_is_the_one_cores_rule_gives(DatabaseEngine engine)
    {
        var data = await ToolkitData.CreateAsync(engine);
        await using var _ = data.Server;
        await using var scope = data.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
        var rows = await scope.ServiceProvider.GetRequiredService<TokenRows>().Rows().ToListAsync();
        var tokens = await db.PersonalAccessTokens.ToDictionaryAsync(t => t.Id, t => t.Impersonation);
        var bots = await db.Users.Where(u => u.UserType == UserTypes.ProjectBot).Select(u => u.Id).ToListAsync();
        void AssertKindsByRule(List<ReportRow> found) => Assert.All(found, r => Assert.Equal(
            TokenKinds.Of(tokens[r.Id], bots.Contains(r.UserId), r.ResourceType is { } type ? TokenKinds.Parse(type) : null).Name(),
            r.Kind));

        Assert.Equal(TokenKinds.All.Order(), rows.Select(r => r.Kind).Distinct().Order());
        AssertKindsByRule(rows);
        var inventory = scope.ServiceProvider.GetRequiredService<TokenInventory>();
        AssertKindsByRule(await inventory.FindAsync(rows.Select(r => r.Id).ToList(), CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Plain_sql_reports_select_what_the_ef_query_selects(DatabaseEngine engine)
    {
        var data = await ToolkitData.CreateAsync(engine);
        await using var _ = data.Server;
        await using var scope = data.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
        // A last use with a fraction of a second, which SQLite keeps as text and the reader parses from bytes.
        var used = new DateTime(2026, 5, 31, 23, 59, 58, 123, DateTimeKind.Utc).AddTicks(4560);
        await db.PersonalAccessTokens.Where(t => t.Id == data.ReadApiOnD).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, used));
        // A backfilled token whose expiry was removed since: its backfill row stays, and it is not "backfilled" any more.
        await db.PersonalAccessTokens.Where(t => t.Id == data.TeamToken).ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, (DateOnly?)null));

        // The team's bot also a member of the project, whose id is the team's: its token is listed
        // once per membership, each with its own resource.
        Assert.Equal(data.Team, data.Svc); // a group's id that is a project's too: the owner cache once mixed them up
        var teamBot = await db.PersonalAccessTokens.Where(t => t.Id == data.TeamToken).Select(t => t.UserId).SingleAsync();
        db.Members.Add(new Member { SourceType = Member.ProjectSource, SourceId = data.Svc, UserId = teamBot, AccessLevel = 30, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();

        var inventory = scope.ServiceProvider.GetRequiredService<TokenInventory>();
        var tokens = scope.ServiceProvider.GetRequiredService<TokenRows>();
        var compared = 0;
        foreach (var input in Inputs())
        {
            var resolved = await inventory.ResolveAsync(input, CancellationToken.None);
            foreach (var dates in Dates())
            {
                var filter = dates(resolved);
                var expected = await tokens.Report(filter).ToListAsync();
                var actual = TiesByResource(await inventory.StreamAsync(filter, CancellationToken.None).ToListAsync());
                Assert.True(expected.SequenceEqual(actual), $"{input} {filter}: EF {Describe(expected)}, SQL {Describe(actual)}");
                compared += actual.Count;

                // The date counts: the owners grouped first must count what the rows count.
                var counts = await inventory.ExpiryDatesAsync(filter, Today, 100, CancellationToken.None);
                var active = Counted(await tokens.Report(filter with { ExpiresFrom = Today.AddDays(1), NoExpiry = false }).ToListAsync());
                Assert.Equal(active, counts);
            }
        }

        Assert.True(compared > 100, $"only {compared} rows compared");

        // A dated bot token counted twice (its bot in two resources), for the counts of every owner,
        // which correct the tokens' own count by owner rather than join each token to its owner.
        var svcBot = await db.PersonalAccessTokens.Where(t => t.Id == data.SvcToken).Select(t => t.UserId).SingleAsync();
        db.Members.Add(new Member { SourceType = Member.NamespaceSource, SourceId = data.Team, UserId = svcBot, AccessLevel = 30, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();
        foreach (var filter in new[] { new TokenFilter(), new TokenFilter { IncludeBlocked = true }, new TokenFilter { Scope = "api" } })
        {
            var counts = await inventory.ExpiryDatesAsync(filter, Today, 100, CancellationToken.None);
            var rows = await tokens.Report(filter with { ExpiresFrom = Today.AddDays(1) }).ToListAsync();
            Assert.Equal(filter.Scope is null ? 2 : 0, rows.Count(r => r.Id == data.SvcToken));
            Assert.Equal(Counted(rows), counts);
        }
        var both = await inventory.StreamAsync(new TokenFilter { Kinds = [TokenKinds.Group, TokenKinds.Project] }, CancellationToken.None)
            .Where(r => r.Id == data.TeamToken).Select(r => (r.Kind, r.ResourceId)).ToListAsync();
        Assert.Equal([("group", data.Team), ("project", data.Svc)], both.Order());
        Assert.Equal(used, (await inventory.FindAsync([data.ReadApiOnD], CancellationToken.None)).Single().LastUsedAt);
        Assert.All(await inventory.FindAsync([data.TeamToken], CancellationToken.None), r => Assert.False(r.ExpiryBackfilled));

        // By id, whatever their state: revoked and blocked owners' tokens too.
        var ids = await db.PersonalAccessTokens.Select(t => t.Id).ToListAsync();
        var all = await tokens.Rows().Where(r => ids.Contains(r.Id)).OrderBy(r => r.Id).ThenBy(r => r.ResourceType).ThenBy(r => r.ResourceId).ToListAsync();
        Assert.Contains(all, r => r.Id == data.RevokedOnD);
        Assert.Equal(all, await inventory.FindAsync(ids, CancellationToken.None));
        Assert.Empty(await inventory.FindAsync([], CancellationToken.None));
    }

    /// <summary>The rows of one bot's token (one per membership) by resource, as the EF query orders them; the SQL leaves them in the join's order.</summary>
    private static List<ReportRow> TiesByResource(List<ReportRow> rows)
    {
        var first = new Dictionary<long, int>();
        for (var i = 0; i < rows.Count; i++)
        {
            first.TryAdd(rows[i].Id, i);
        }

        return [.. rows.OrderBy(r => first[r.Id]).ThenBy(r => r.ResourceType, StringComparer.Ordinal).ThenBy(r => r.ResourceId)];
    }

    private static string Describe(List<ReportRow> rows) => string.Join(' ', rows.Select(r => r.ResourceId is { } resource ? $"{r.Id}@{r.ResourceType}{resource}" : $"{r.Id}"));

    /// <summary>The rows per date, most first, each with the total of active tokens with a date (the cliffs' share).</summary>
    private static List<ExpiryDateCount> Counted(List<ReportRow> rows) =>
        [.. rows.GroupBy(r => r.ExpiresAt!.Value).Select(g => new ExpiryDateCount(g.Key, g.Count()) { ActiveWithDate = rows.Count })
            .OrderByDescending(c => c.Count).ThenBy(c => c.Date)];
}
