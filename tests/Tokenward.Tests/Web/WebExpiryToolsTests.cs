using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Storage;
using Tokenward.Tests.Http;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Web;

/// <summary>
/// The admin pages' expiry-cliff tools (#20) over HTTP against a real Kestrel, on both engines:
/// tokens at risk, a spread from the expiry calendar, and the policy preview before a stricter
/// policy is saved. Today is 2026-06-01 (<see cref="TestServer.Start"/>).
/// </summary>
public sealed partial class WebExpiryToolsTests
{
    private const string Password = "correct horse battery";

    private const string Calendar = "/admin/expiry_calendar";

    private const string Settings = "/admin/application_settings";

    private static async Task<WebSession> SignedInAsync(TestServer server, string username, bool admin)
    {
        var response = await server.PostJsonAsync("/api/v4/users", new { username, email = $"{username}@example.com", name = username, admin, password = Password });
        await Expect.StatusAsync(response, 201);
        var web = new WebSession(server);
        Assert.Equal(HttpStatusCode.Redirect, (await web.SignInAsync(username, Password)).Status);
        return web;
    }

    private static async Task UsedAsync(TestServer server, long id, int month, int day)
    {
        await using var scope = server.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<TokenwardDb>().PersonalAccessTokens.Where(t => t.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, new DateTime(2026, month, day, 12, 0, 0, DateTimeKind.Utc)));
    }

    private static async Task<T> DbAsync<T>(TestServer server, Func<TokenwardDb, Task<T>> query)
    {
        await using var scope = server.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<TokenwardDb>());
    }

    private static async Task PolicyAsync(TestServer server, bool require, int days) =>
        await Expect.StatusAsync(await server.Client.SendAsync(TestServer.Request(HttpMethod.Put, "/api/v4/application/settings",
            content: new FormUrlEncodedContent([new("require_personal_access_token_expiry", require ? "true" : "false"), new("max_personal_access_token_lifetime", days.ToString(System.Globalization.CultureInfo.InvariantCulture))]))), 200);

    private static async Task<(bool Require, int Days)> PolicyNowAsync(TestServer server)
    {
        var json = await TestServer.Json(await server.GetAsync("/api/v4/application/settings"));
        return ((bool)json["require_personal_access_token_expiry"]!, (int)json["max_personal_access_token_lifetime"]!);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Admins_see_the_tokens_at_risk_with_their_fix_and_bad_periods_get_a_422(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        using var boss = await SignedInAsync(server, "boss", admin: true);
        using var alice = await SignedInAsync(server, "alice", admin: false);
        var aliceId = (long)(await TestServer.Json(await server.GetAsync("/api/v4/users?username=alice")))[0]!["id"]!;
        var deploy = (await server.CreateTokenAsync(aliceId, ["api"], "2026-06-20", "deploy")).Id;
        var soon = (await server.CreateTokenAsync(aliceId, ["api"], "2026-06-05", "soon")).Id;
        var idle = (await server.CreateTokenAsync(aliceId, ["api"], "2026-06-20", "idle")).Id;
        var later = (await server.CreateTokenAsync(aliceId, ["api"], "2026-09-01", "later")).Id;
        var project = await GroupsAndProjectsApiTests.CreateProjectAsync(server, "svc", await GroupsAndProjectsApiTests.CreateGroupAsync(server, "team"));
        var ci = (long)(await TestServer.Json(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens",
            new { name = "ci", scopes = new[] { "api" }, expires_at = "2026-06-25" })))["id"]!;
        await UsedAsync(server, ci, 6, 1);
        await UsedAsync(server, deploy, 5, 31);
        await UsedAsync(server, soon, 5, 30);
        await UsedAsync(server, later, 5, 31);

        var (status, html, _) = await boss.GetAsync("/admin/at_risk");
        Assert.Equal(HttpStatusCode.OK, status);
        // The latest use first; the idle token and the one expiring after 30 days are not at risk.
        Assert.Equal([ci, deploy, soon], TokenIds(html));
        Assert.DoesNotContain($"data-token-id=\"{idle}\"", html, StringComparison.Ordinal);
        Assert.Contains("<strong id=\"at-risk-count\">3</strong>", html, StringComparison.Ordinal);
        var ciRow = Row(html, ci);
        Assert.Contains("project svc", ciRow, StringComparison.Ordinal);
        Assert.Contains($"<code>POST /api/v4/projects/{project}/access_tokens/{ci}/rotate?grace_period=1d</code>", ciRow, StringComparison.Ordinal);
        Assert.Contains(">24<", ciRow, StringComparison.Ordinal);
        Assert.Contains("notify owner", Row(html, deploy), StringComparison.Ordinal);
        Assert.Contains("<code>tokenward tokens extend --expiring-on 2026-06-05 --user alice --by 30d</code>", Row(html, soon), StringComparison.Ordinal);
        Assert.Contains(">2026-06-20<", Row(html, deploy), StringComparison.Ordinal);
        Assert.Contains("href=\"/admin/at_risk\"", html, StringComparison.Ordinal);

        // Narrower periods: used since yesterday, expiring within three weeks.
        Assert.Equal([deploy], TokenIds((await boss.GetAsync("/admin/at_risk?within=3w&used_within=1d")).Html));
        Assert.Equal([ci, deploy, later, soon], TokenIds((await boss.GetAsync("/admin/at_risk?within=6m")).Html));

        foreach (var (query, message) in new[]
        {
            ("within=soon", "Expiring within must be a period like 7d"),
            ("used_within=lately", "Used within must be a period like 7d"),
            ("within=9999y", "Within: the period would end after 9999-12-31."),
        })
        {
            var refused = await boss.GetAsync("/admin/at_risk?" + query);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Status);
            Assert.Contains("alert error", refused.Html, StringComparison.Ordinal);
            Assert.Contains(message, refused.Html, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync("/admin/at_risk")).Status);
        Assert.DoesNotContain("/admin/at_risk", (await alice.GetAsync("/-/user_settings/personal_access_tokens")).Html, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task The_calendar_spreads_a_cliff_dry_run_first_then_in_audited_batches(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        await PolicyAsync(server, require: false, days: 365);
        using var boss = await SignedInAsync(server, "boss", admin: true);
        var aliceId = await server.CreateUserAsync("alice");
        var bobId = await server.CreateUserAsync("bob");
        for (var i = 0; i < 12; i++)
        {
            await server.CreateTokenAsync(i % 2 == 0 ? aliceId : bobId, ["read_api"], "2026-07-11", $"cliff {i}");
        }

        var cliff = new DateOnly(2026, 7, 11);
        var calendar = (await boss.GetAsync(Calendar)).Html;
        // The cliff links to who still uses its tokens: 40 days ahead.
        Assert.Contains("href=\"/admin/at_risk?within=40d\"", calendar, StringComparison.Ordinal);

        const string Day = Calendar + "?day=2026-07-11";
        // 2026-09-01 is a Tuesday: two weeks hold ten workdays, for twelve tokens.
        KeyValuePair<string, string>[] spread = [new("new_expires_at", "2026-09-01"), new("spread", "2w"), new("workdays", "1")];
        var dryRun = await boss.PostAsync(Day, Day + "&handler=Preview", spread);
        Assert.Equal(HttpStatusCode.OK, dryRun.Status);
        Assert.Contains("12 tokens would move from 2026-07-11 to dates spread from 2026-09-01 to 2026-09-14, workdays only", dryRun.Html, StringComparison.Ordinal);
        var plan = PlanRows(dryRun.Html);
        Assert.Equal(10, plan.Count);
        Assert.Equal(12, plan.Sum(p => p.Tokens));
        Assert.DoesNotContain(plan, p => p.Day.EndsWith("Sat", StringComparison.Ordinal) || p.Day.EndsWith("Sun", StringComparison.Ordinal));
        Assert.Equal(("2026-09-01 Tue", "2026-09-14 Mon"), (plan[0].Day, plan[^1].Day));
        Assert.True(plan.Max(p => p.Tokens) - plan.Min(p => p.Tokens) <= 1);
        Assert.Contains("Spread 12 tokens</button>", dryRun.Html, StringComparison.Ordinal);
        Assert.Equal(12, await DbAsync(server, db => db.PersonalAccessTokens.CountAsync(t => t.ExpiresAt == cliff)));

        var applied = await boss.PostAsync(Day, Day + "&handler=Extend", spread);
        Assert.Equal(HttpStatusCode.OK, applied.Status);
        Assert.Contains("Spread 12 tokens over 2026-09-01 to 2026-09-14, workdays only; each change is in the audit log.", applied.Html, StringComparison.Ordinal);
        var dates = await DbAsync(server, db => db.PersonalAccessTokens.Where(t => t.Name.StartsWith("cliff")).Select(t => t.ExpiresAt!.Value).ToListAsync());
        Assert.All(dates, d => Assert.InRange(d, new DateOnly(2026, 9, 1), new DateOnly(2026, 9, 14)));
        Assert.DoesNotContain(dates, d => d.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday);
        // The dates the dry run showed, day by day.
        Assert.Equal(plan.Where(p => p.Tokens > 0).Select(p => (p.Day[..10], p.Tokens)),
            dates.CountBy(d => d).OrderBy(g => g.Key).Select(g => (g.Key.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), g.Value)));
        var events = await DbAsync(server, db => db.AuditEvents.Where(e => e.EventName == "personal_access_token_expiry_changed").Select(e => new { e.AuthorName, e.Details }).ToListAsync());
        Assert.Equal(12, events.Count);
        Assert.All(events, e => Assert.Equal(("boss", true), (e.AuthorName, e.Details.Contains("\"spread\":\"spread:", StringComparison.Ordinal))));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task The_calendar_refuses_a_spread_as_the_CLI_does_with_a_422_and_changes_nothing(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        await PolicyAsync(server, require: false, days: 365);
        using var boss = await SignedInAsync(server, "boss", admin: true);
        var aliceId = await server.CreateUserAsync("alice");
        for (var i = 0; i < 3; i++)
        {
            await server.CreateTokenAsync(aliceId, ["read_api"], "2026-07-11", $"cliff {i}");
        }

        const string Day = Calendar + "?day=2026-07-11";
        foreach (var (fields, message) in new (KeyValuePair<string, string>[], string)[]
        {
            ([new("new_expires_at", "2026-07-11"), new("spread", "2w")], "the window must start after 2026-07-11, the date the tokens expire on now"),
            ([new("new_expires_at", "2027-05-20"), new("spread", "4w")], "is beyond the maximum token lifetime of 365 days"),
            ([new("new_expires_at", "2026-09-01"), new("spread", "soon")], "Spread over must be a period like 2w, 4w or 3m"),
            ([new("new_expires_at", "2026-09-01"), new("workdays", "1")], "Workdays only goes with a spread"),
            ([new("new_expires_at", "2026-09-05"), new("spread", "2d"), new("workdays", "1")], "holds no workday"),
        })
        {
            foreach (var handler in new[] { "Preview", "Extend" })
            {
                var refused = await boss.PostAsync(Day, $"{Day}&handler={handler}", fields);
                Assert.True(refused.Status == HttpStatusCode.UnprocessableEntity, $"{handler} {message}: {refused.Status}");
                Assert.Contains("alert error", refused.Html, StringComparison.Ordinal);
                Assert.Contains(message, refused.Html, StringComparison.Ordinal);
            }
        }

        Assert.Equal(3, await DbAsync(server, db => db.PersonalAccessTokens.CountAsync(t => t.ExpiresAt == new DateOnly(2026, 7, 11))));
        Assert.Equal(0, await DbAsync(server, db => db.AuditEvents.CountAsync(e => e.EventName.EndsWith("_expiry_changed"))));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_stricter_policy_shows_its_preview_and_waits_for_confirmation_a_looser_one_saves_at_once(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        await PolicyAsync(server, require: false, days: 365);
        using var boss = await SignedInAsync(server, "boss", admin: true);
        var aliceId = await server.CreateUserAsync("alice");
        await server.CreateTokenAsync(aliceId, ["api"], "2026-12-01", "far");
        await server.CreateTokenAsync(aliceId, ["api"], "2026-07-01", "near");
        var forever = (await server.CreateTokenAsync(aliceId, ["api"], "2026-07-01", "forever")).Id;
        await DbAsync(server, db => db.PersonalAccessTokens.Where(t => t.Id == forever).ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, (DateOnly?)null)));
        // Root's token (the API calls') out of the way: within any maximum below.
        await DbAsync(server, db => db.PersonalAccessTokens.Where(t => t.UserId == 1).ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, new DateOnly(2026, 8, 1))));

        // Stricter: 90 days shortens "far" at its rotation. Shown, not saved.
        var preview = await boss.PostAsync(Settings, Settings, [new("max_personal_access_token_lifetime", "90")]);
        Assert.Equal(HttpStatusCode.OK, preview.Status);
        Assert.Contains("Not saved yet: 1 active token would change at their next rotation", preview.Html, StringComparison.Ordinal);
        Assert.Contains("a token rotated today gets 2026-08-30 at most", preview.Html, StringComparison.Ordinal);
        Assert.Matches(@"<tr><td>alice</td><td>personal</td><td class=""num"">1</td><td class=""num"">0</td><td>2026-12-01</td></tr>", preview.Html);
        Assert.Contains("name=\"confirm\" value=\"1\"", preview.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("Saved.", preview.Html, StringComparison.Ordinal);
        Assert.Equal((false, 365), await PolicyNowAsync(server));

        // The confirmation saves it, with antiforgery as every form.
        Assert.Equal(HttpStatusCode.BadRequest, (await boss.PostAsync(Settings, Settings, [new("max_personal_access_token_lifetime", "90"), new("confirm", "1")], antiforgery: false)).Status);
        Assert.Equal((false, 365), await PolicyNowAsync(server));
        var confirmed = await boss.PostAsync(Settings, Settings, [new("max_personal_access_token_lifetime", "90"), new("confirm", "1")]);
        Assert.Equal(HttpStatusCode.OK, confirmed.Status);
        Assert.Contains("Saved.", confirmed.Html, StringComparison.Ordinal);
        Assert.Equal((false, 90), await PolicyNowAsync(server));

        // Requiring an expiry gives "forever" one at its rotation: the preview again ("far" is still past 90 days).
        var require = await boss.PostAsync(Settings, Settings, [new("require_personal_access_token_expiry", "1"), new("max_personal_access_token_lifetime", "90")]);
        Assert.Contains("Not saved yet: 2 active tokens would change", require.Html, StringComparison.Ordinal);
        Assert.Matches(@"<tr><td>personal</td><td class=""num"">1</td><td class=""num"">1</td></tr>", require.Html);
        Assert.Equal((false, 90), await PolicyNowAsync(server));

        // Looser saves at once; so does a stricter one that changes no token.
        var looser = await boss.PostAsync(Settings, Settings, [new("max_personal_access_token_lifetime", "200")]);
        Assert.Contains("Saved.", looser.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("Not saved yet", looser.Html, StringComparison.Ordinal);
        Assert.Equal((false, 200), await PolicyNowAsync(server));
        var harmless = await boss.PostAsync(Settings, Settings, [new("max_personal_access_token_lifetime", "190")]);
        Assert.Contains("Saved.", harmless.Html, StringComparison.Ordinal);
        Assert.Equal((false, 190), await PolicyNowAsync(server));

        // Out of range is refused as before, preview or not.
        var bad = await boss.PostAsync(Settings, Settings, [new("max_personal_access_token_lifetime", "0")]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.Status);
        Assert.Equal((false, 190), await PolicyNowAsync(server));
    }

    private static List<long> TokenIds(string html) =>
        [.. TokenRow().Matches(html).Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))];

    private static string Row(string html, long id)
    {
        var start = html.IndexOf($"data-token-id=\"{id}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no row for token {id}");
        return html[start..html.IndexOf("</tr>", start, StringComparison.Ordinal)];
    }

    private static List<(string Day, int Tokens)> PlanRows(string html)
    {
        var table = html[html.IndexOf("id=\"spread-plan\"", StringComparison.Ordinal)..];
        table = table[..table.IndexOf("</table>", StringComparison.Ordinal)];
        return [.. PlanRow().Matches(table).Select(m => (m.Groups[1].Value, int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)))];
    }

    [GeneratedRegex("data-token-id=\"(\\d+)\"")]
    private static partial Regex TokenRow();

    [GeneratedRegex("<tr><td>([^<]+)</td><td class=\"num\">(\\d+)</td>")]
    private static partial Regex PlanRow();
}
