using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Tokenward.AuthBans;
using Tokenward.Storage;
using Tokenward.Tests.Cli;
using Tokenward.Tests.Http;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Web;

/// <summary>
/// The web UI in a real browser (Debian's Chromium through Playwright) against a real Kestrel:
/// what a person does, with a screenshot of each page under the test output's <c>screenshots</c>.
/// </summary>
public sealed class BrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Password = "correct horse battery";

    private static readonly string[] ClipboardPermissions = ["clipboard-read", "clipboard-write"];

    private async Task<(IBrowserContext Context, IPage Page)> OpenAsync(TestServer server, int width = 1280)
    {
        var context = await browser.Browser.NewContextAsync(new()
        {
            BaseURL = server.BaseAddress.ToString().TrimEnd('/'),
            ViewportSize = new() { Width = width, Height = 900 },
            // Far from UTC, so the local times the script writes differ from the UTC the server sends.
            TimezoneId = "Asia/Tokyo",
            Locale = "en-GB",
            Permissions = ClipboardPermissions,
        });
        return (context, await context.NewPageAsync());
    }

    private static async Task UserWithPasswordAsync(TestServer server, string username, bool admin = false)
    {
        var response = await server.PostJsonAsync("/api/v4/users", new { username, email = $"{username}@example.com", name = username, admin, password = Password });
        await Expect.StatusAsync(response, 201);
    }

    private static async Task<long> UserIdAsync(TestServer server, string username) =>
        (await TestServer.Json(await server.GetAsync($"/api/v4/users?username={username}")))[0]!["id"]!.GetValue<long>();

    private static async Task SignInAsync(IPage page, string login, string password = Password)
    {
        await page.GotoAsync("/users/sign_in");
        await page.FillAsync("#user_login", login);
        await page.FillAsync("#user_password", password);
        await page.ClickAsync("button:text-is('Sign in')");
    }

    private static async Task ShotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, name + ".png"), FullPage = true });

    [Fact]
    public async Task A_user_creates_a_token_sees_it_once_copies_it_revokes_it_and_finds_it_under_revoked_and_expired()
    {
        await using var server = await TestServer.StartAsync();
        await UserWithPasswordAsync(server, "alice");
        var aliceId = await UserIdAsync(server, "alice");
        // A past date is accepted on creation (GitLab too): the token is simply expired.
        await server.CreateTokenAsync(aliceId, ["read_api"], "2026-05-20", "old deploy key");
        var (context, page) = await OpenAsync(server);
        await using var _ = context;

        await SignInAsync(page, "alice");
        Assert.EndsWith("/-/user_settings/personal_access_tokens", page.Url, StringComparison.Ordinal);
        await ShotAsync(page, "personal-access-tokens");

        // Another site's form, posted with alice's cookies but without the page's antiforgery token, is refused.
        var forgedForm = page.Context.APIRequest.CreateFormData();
        forgedForm.Set("name", "forged");
        forgedForm.Set("scopes[]", "api");
        var forged = await page.Context.APIRequest.PostAsync("/-/user_settings/personal_access_tokens?handler=Create", new() { Form = forgedForm });
        Assert.Equal(400, forged.Status);

        await page.FillAsync("#token_name", "ci");
        await page.FillAsync("#token_description", "pipeline of app");
        await page.CheckAsync("input[name='scopes[]'][value='read_api']");
        await page.FillAsync("#token_expires_at", "2026-06-20");
        await page.ClickAsync("button:text-is('Create personal access token')");
        var value = await page.InputValueAsync("#created-token");
        Assert.StartsWith("glpat-", value, StringComparison.Ordinal);
        await page.ClickAsync("button:text-is('Copy token')");
        Assert.Equal(value, await page.EvaluateAsync<string>("navigator.clipboard.readText()"));
        await ShotAsync(page, "personal-access-token-created");
        await Expect.StatusAsync(await server.GetAsync("/api/v4/personal_access_tokens/self", value), 200);

        // Seen once: the page again does not have it.
        await page.GotoAsync("/-/user_settings/personal_access_tokens");
        Assert.Equal(0, await page.Locator("#created-token").CountAsync());
        Assert.DoesNotContain(value, await page.ContentAsync(), StringComparison.Ordinal);
        var row = page.Locator("tr", new() { HasText = "ci" }).Filter(new() { HasText = "pipeline of app" });
        Assert.Contains("expiring", await row.GetAttributeAsync("class") ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains("19 days left", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("1", await page.Locator("a[href='?tab=expiring'] .count").InnerTextAsync());

        await page.ClickAsync("a[aria-label='Revoke ci']");
        Assert.Contains("Revoke the token 'ci'?", await page.InnerTextAsync("#confirm-title"), StringComparison.Ordinal);
        await page.ClickAsync("section button:text-is('Revoke')");
        Assert.Contains("Revoked the token 'ci'.", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/personal_access_tokens/self", value), 401);

        await page.ClickAsync("a[href='?tab=revoked']");
        var revoked = page.Locator("tbody tr", new() { HasText = "pipeline of app" });
        Assert.Contains("revoked", await revoked.InnerTextAsync(), StringComparison.Ordinal);
        await ShotAsync(page, "personal-access-tokens-revoked");
        await page.ClickAsync("a[href='?tab=expired']");
        var expired = page.Locator("tbody tr", new() { HasText = "old deploy key" });
        Assert.Contains("2026-05-20", await expired.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("expired", await expired.InnerTextAsync(), StringComparison.Ordinal);

        // Times are written in UTC and shown in the viewer's zone (Tokyo, 9 hours ahead), UTC on hover.
        var created = page.Locator("tbody tr time").First;
        Assert.EndsWith("UTC", await created.GetAttributeAsync("title") ?? string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain("UTC", await created.InnerTextAsync(), StringComparison.Ordinal);

        await page.ClickAsync("button:text-is('Sign out')");
        Assert.EndsWith("/users/sign_in", page.Url, StringComparison.Ordinal);
        await page.GotoAsync("/-/user_settings/personal_access_tokens");
        Assert.Contains("/users/sign_in", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pages_fit_a_phone_and_work_with_scripts_off()
    {
        await using var server = await TestServer.StartAsync();
        await UserWithPasswordAsync(server, "alice");
        var context = await browser.Browser.NewContextAsync(new()
        {
            BaseURL = server.BaseAddress.ToString().TrimEnd('/'),
            ViewportSize = new() { Width = 390, Height = 844 },
            JavaScriptEnabled = false,
        });
        await using var _ = context;
        var page = await context.NewPageAsync();
        await SignInAsync(page, "alice");
        await page.FillAsync("#token_name", "phone");
        await page.CheckAsync("input[name='scopes[]'][value='read_user']");
        await page.ClickAsync("button:text-is('Create personal access token')");
        Assert.StartsWith("glpat-", await page.InputValueAsync("#created-token"), StringComparison.Ordinal);
        // No script, no copy button; the value is still there to select.
        Assert.False(await page.IsVisibleAsync("button:text-is('Copy token')"));
        await page.ClickAsync("a[aria-label='Rotate phone']");
        await page.ClickAsync("section button:text-is('Rotate')");
        Assert.StartsWith("glpat-", await page.InputValueAsync("#created-token"), StringComparison.Ordinal);
        // Wide tables scroll inside their frame; nothing else may push the page sideways.
        var wider = await page.EvaluateAsync<string>("""
            [...document.querySelectorAll('body *')].filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().right > 390)
                .map(e => e.tagName + '.' + e.className + '#' + e.id).join(', ')
            """);
        Assert.True(wider.Length == 0, $"wider than a phone: {wider}");
        await ShotAsync(page, "personal-access-tokens-390px");
    }

    [Fact]
    public async Task Signing_in_with_a_token_works_and_a_blocked_user_is_refused()
    {
        await using var server = await TestServer.StartAsync();
        var bobId = await server.CreateUserAsync("bob");
        var bobToken = await server.CreateTokenAsync(bobId, ["api"], "2026-07-01");
        await UserWithPasswordAsync(server, "carol");
        await Expect.StatusAsync(await server.PostFormAsync($"/api/v4/users/{await UserIdAsync(server, "carol")}/block", []), 201);
        var (context, page) = await OpenAsync(server);
        await using var _ = context;

        await page.GotoAsync("/users/sign_in");
        await ShotAsync(page, "sign-in");
        await page.FillAsync("#token", bobToken.Token);
        await page.ClickAsync("button:text-is('Sign in with token')");
        Assert.Contains("bob (token)", await page.InnerTextAsync("header"), StringComparison.Ordinal);

        await page.ClickAsync("button:text-is('Sign out')");
        await SignInAsync(page, "carol");
        Assert.Contains("Your account has been blocked", await page.InnerTextAsync("[role=alert]"), StringComparison.Ordinal);
        Assert.Contains("/users/sign_in", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_maintainer_manages_the_project_tokens_and_a_developer_is_not_shown_them()
    {
        await using var server = await TestServer.StartAsync();
        var group = await GroupsAndProjectsApiTests.CreateGroupAsync(server, "acme");
        var project = await GroupsAndProjectsApiTests.CreateProjectAsync(server, "app", group);
        await UserWithPasswordAsync(server, "dev");
        await UserWithPasswordAsync(server, "maintainer");
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/members", new { user_id = await UserIdAsync(server, "dev"), access_level = 30 }), 201);
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/members", new { user_id = await UserIdAsync(server, "maintainer"), access_level = 40 }), 201);

        var (devContext, devPage) = await OpenAsync(server);
        await using (devContext)
        {
            await SignInAsync(devPage, "dev");
            var response = await devPage.GotoAsync("/acme/app/-/settings/access_tokens");
            Assert.Equal(404, response!.Status);
        }

        var (context, page) = await OpenAsync(server);
        await using var _ = context;
        await SignInAsync(page, "maintainer");
        await page.GotoAsync("/acme/app/-/settings/access_tokens");
        // A Maintainer cannot hand out Owner.
        Assert.Equal(0, await page.Locator("#token_access_level option[value='50']").CountAsync());
        await page.FillAsync("#token_name", "deploy");
        await page.SelectOptionAsync("#token_access_level", "30");
        await page.CheckAsync("input[name='scopes[]'][value='read_repository']");
        await page.ClickAsync("button:text-is('Create project access token')");
        var value = await page.InputValueAsync("#created-token");
        var self = await TestServer.Json(await server.GetAsync("/api/v4/personal_access_tokens/self", value));
        Assert.Equal("deploy", (string?)self["name"]);
        var row = page.Locator("tbody tr", new() { HasText = "deploy" });
        Assert.Contains("Developer", await row.InnerTextAsync(), StringComparison.Ordinal);
        await ShotAsync(page, "project-access-tokens");

        await page.ClickAsync("a[aria-label='Revoke deploy']");
        await page.ClickAsync("section button:text-is('Revoke')");
        Assert.Contains("revoked", await page.Locator("tbody tr", new() { HasText = "deploy" }).InnerTextAsync(), StringComparison.Ordinal);

        // The group's page is its Owners': the project's Maintainer gets GitLab's 404, its Owner (root made it) the page.
        Assert.Equal(404, (await page.GotoAsync("/groups/acme/-/settings/access_tokens"))!.Status);
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/groups/{group}/members", new { user_id = await UserIdAsync(server, "maintainer"), access_level = 50 }), 201);
        await page.GotoAsync("/groups/acme/-/settings/access_tokens");
        await page.FillAsync("#token_name", "group ci");
        await page.CheckAsync("input[name='scopes[]'][value='read_api']");
        await page.ClickAsync("button:text-is('Create group access token')");
        Assert.StartsWith("glpat-", await page.InputValueAsync("#created-token"), StringComparison.Ordinal);
        await ShotAsync(page, "group-access-tokens");
    }

    [Fact]
    public async Task An_admin_filters_the_inventory_downloads_it_reads_the_calendar_extends_a_cliff_and_lifts_a_ban()
    {
        await using var server = await TestServer.StartAsync(configure: s => s with { BanPolicy = new BanPolicy { MaxFailures = 3, Allowlist = [] } });
        // The CLI this test compares with reads the real clock: the server's fake one is set to it.
        var now = DateTimeOffset.UtcNow;
        server.Clock.SetUtcNow(now);
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        string Day(int days) => today.AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await UserWithPasswordAsync(server, "boss", admin: true);
        var aliceId = await server.CreateUserAsync("alice");
        var bobId = await server.CreateUserAsync("bob");
        for (var i = 0; i < 12; i++)
        {
            await server.CreateTokenAsync(i % 2 == 0 ? aliceId : bobId, ["read_api"], Day(40), $"backfilled {i}");
        }

        await server.CreateTokenAsync(aliceId, ["api"], Day(10), "soon");
        await server.CreateTokenAsync(bobId, ["read_repository"], Day(200), "later");
        var revoked = await server.CreateTokenAsync(bobId, ["api"], Day(30), "gone");
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/personal_access_tokens/{revoked.Id}"), 204);

        var (context, page) = await OpenAsync(server);
        await using var _ = context;
        await SignInAsync(page, "boss");

        // The inventory, filtered, and its CSV equal to the toolkit's own.
        await page.GotoAsync("/admin/credentials");
        await page.SelectOptionAsync("#f-state", "all");
        await page.FillAsync("#f-within", "6m");
        await page.ClickAsync("button:text-is('Filter')");
        Assert.Equal("14 tokens", await page.InnerTextAsync("#result-count"));
        await ShotAsync(page, "admin-token-inventory");
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("text=Download CSV"));
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        var cli = await TokenwardProcess.RunAsync(null, [.. new[] { "tokens", "expiring", "--within", "6m", "--format", "csv" }, .. Engines.CliArgs(server.Settings.Database, server.Dir)]);
        Assert.True(cli.ExitCode == 0, cli.Stderr);
        Assert.Equal(cli.Stdout.ReplaceLineEndings("\n"), csv.ReplaceLineEndings("\n"));

        await page.FillAsync("#f-user", "alice");
        await page.ClickAsync("button:text-is('Filter')");
        Assert.Equal("7 tokens", await page.InnerTextAsync("#result-count"));
        await page.FillAsync("#f-user", "");
        await page.FillAsync("#f-within", "");
        await page.SelectOptionAsync("#f-scope", "read_repository");
        await page.ClickAsync("button:text-is('Filter')");
        Assert.Equal("1 token", await page.InnerTextAsync("#result-count"));

        // The calendar counts what tokens expiry-dates counts, and marks the 12 on one day as a cliff.
        await page.GotoAsync("/admin/expiry_calendar");
        var calendar = new Dictionary<string, int>();
        foreach (var tr in await page.Locator("#daily-table tbody tr").AllAsync())
        {
            var cells = await tr.Locator("td").AllTextContentsAsync();
            calendar[cells[0]] = int.Parse(cells[1], CultureInfo.InvariantCulture);
        }

        var dates = await TokenwardProcess.RunAsync(null, [.. new[] { "tokens", "expiry-dates", "--top", "1000", "--format", "json" }, .. Engines.CliArgs(server.Settings.Database, server.Dir)]);
        Assert.True(dates.ExitCode == 0, dates.Stderr);
        var expected = JsonNode.Parse(dates.Stdout)!.AsArray()
            .Where(d => string.CompareOrdinal((string)d!["expires_at"]!, Day(365)) <= 0)
            .ToDictionary(d => (string)d!["expires_at"]!, d => (int)d!["count"]!);
        Assert.Equal(expected.OrderBy(p => p.Key), calendar.OrderBy(p => p.Key));
        Assert.Equal(12, expected[Day(40)]);
        Assert.Equal("1", await page.InnerTextAsync("#cliff-count"));
        await ShotAsync(page, "admin-expiry-calendar");

        // Bulk extend from the cliff's day: the dry run first, then the change, audited.
        await page.ClickAsync($"#cliffs-title + ul a[href='?day={Day(40)}']");
        Assert.Contains("12 active tokens expiring on", await page.InnerTextAsync("#day-title"), StringComparison.Ordinal);
        await page.FillAsync("#new_expires_at", Day(75));
        await page.ClickAsync("button:text-is('Preview the extension')");
        Assert.Contains("12 tokens would move", await page.InnerTextAsync("#day"), StringComparison.Ordinal);
        await using (var scope = server.Services.CreateAsyncScope())
        {
            Assert.Equal(12, await scope.ServiceProvider.GetRequiredService<TokenwardDb>().PersonalAccessTokens.CountAsync(t => t.ExpiresAt == today.AddDays(40)));
        }

        await ShotAsync(page, "admin-expiry-calendar-extend");
        await page.ClickAsync("button:text-is('Extend 12 tokens')");
        Assert.Contains("Extended 12 tokens", await page.InnerTextAsync("#day"), StringComparison.Ordinal);
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
            Assert.Equal(12, await db.PersonalAccessTokens.CountAsync(t => t.ExpiresAt == today.AddDays(75)));
            Assert.Equal(12, await db.AuditEvents.CountAsync(e => e.EventName == "personal_access_token_expiry_changed" && e.AuthorName == "boss"));
        }

        // Failures from the log, and the ban they cause, lifted from the dashboard.
        for (var i = 0; i < 3; i++)
        {
            await server.GetAsync("/api/v4/user", revoked.Token);
        }

        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", revoked.Token), 403);
        await page.GotoAsync("/admin/authentication_failures?window=24h");
        Assert.Equal("4", await page.InnerTextAsync("#failure-total"));
        Assert.Contains("token_revoked", await page.InnerTextAsync("#by-reason"), StringComparison.Ordinal);
        Assert.Contains("gone", await page.InnerTextAsync("#top-tokens"), StringComparison.Ordinal);
        await ShotAsync(page, "admin-authentication-failures");
        await page.ClickAsync("button[aria-label='Lift the ban on 127.0.0.1']");
        Assert.Contains("Lifted the ban on 127.0.0.1", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user"), 200);

        await page.GotoAsync("/admin/audit_logs?event=auth_ban_lifted");
        Assert.Contains("boss", await page.InnerTextAsync("#audit-events"), StringComparison.Ordinal);
        await ShotAsync(page, "admin-audit-events");
        await page.GotoAsync("/admin/users");
        await page.ClickAsync("button[aria-label='Block alice']");
        Assert.Contains("blocked", await page.Locator("tr[data-username='alice']").InnerTextAsync(), StringComparison.Ordinal);
        await ShotAsync(page, "admin-users");
        await page.GotoAsync("/admin/application_settings");
        await page.FillAsync("#max_lifetime", "90");
        await page.ClickAsync("button:text-is('Save changes')");
        // Stricter, and "later" (and root's token) expire past 90 days: the preview first, nothing saved yet.
        Assert.Contains("Not saved yet", await page.InnerTextAsync("#preview-title"), StringComparison.Ordinal);
        Assert.Contains("bob", await page.InnerTextAsync("#preview-owners"), StringComparison.Ordinal);
        Assert.NotEqual(90, (int)(await TestServer.Json(await server.GetAsync("/api/v4/application/settings")))["max_personal_access_token_lifetime"]!);
        await ShotAsync(page, "admin-application-settings-preview");
        await page.ClickAsync("button:text-is('Apply the stricter policy')");
        Assert.Contains("Saved.", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await ShotAsync(page, "admin-application-settings");
        Assert.Equal(90, (int)(await TestServer.Json(await server.GetAsync("/api/v4/application/settings")))["max_personal_access_token_lifetime"]!);
    }

    [Fact]
    public async Task An_admin_sees_who_still_uses_a_cliffs_tokens_and_spreads_the_cliff()
    {
        // Today is 2026-06-01 on the server's clock; the cliff is 40 days ahead.
        await using var server = await TestServer.StartAsync();
        await UserWithPasswordAsync(server, "boss", admin: true);
        var aliceId = await server.CreateUserAsync("alice");
        var ids = new List<long>();
        for (var i = 0; i < 12; i++)
        {
            ids.Add((await server.CreateTokenAsync(aliceId, ["read_api"], "2026-07-11", $"deploy {i}")).Id);
        }

        await using (var scope = server.Services.CreateAsyncScope())
        {
            var used = ids.Take(3).ToList();
            await scope.ServiceProvider.GetRequiredService<TokenwardDb>().PersonalAccessTokens.Where(t => used.Contains(t.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, new DateTime(2026, 5, 30, 8, 0, 0, DateTimeKind.Utc)));
        }

        var (context, page) = await OpenAsync(server);
        await using var _ = context;
        await SignInAsync(page, "boss");
        await page.GotoAsync("/admin/expiry_calendar");
        await page.ClickAsync("text=who still uses these tokens");
        Assert.Equal("3", await page.InnerTextAsync("#at-risk-count"));
        Assert.Equal("40d", await page.InputValueAsync("#within"));
        Assert.Contains("notify owner", await page.InnerTextAsync("#at-risk"), StringComparison.Ordinal);
        await ShotAsync(page, "admin-tokens-at-risk");

        await page.GotoAsync("/admin/expiry_calendar?day=2026-07-11");
        await page.FillAsync("#new_expires_at", "2026-09-01");
        await page.FillAsync("#spread", "4w");
        await page.CheckAsync("input[name='workdays']");
        await page.ClickAsync("button:text-is('Preview the extension')");
        Assert.Contains("to dates spread from 2026-09-01 to 2026-09-28, workdays only", await page.InnerTextAsync("#day"), StringComparison.Ordinal);
        // Twelve tokens over twenty workdays: one a day on twelve of them, none on a weekend.
        var counts = await page.Locator("#spread-plan tbody td.num").AllInnerTextsAsync();
        Assert.Equal((20, 12), (counts.Count, counts.Sum(c => int.Parse(c, CultureInfo.InvariantCulture))));
        await ShotAsync(page, "admin-expiry-calendar-spread");
        await page.ClickAsync("button:text-is('Spread 12 tokens')");
        Assert.Contains("Spread 12 tokens over 2026-09-01 to 2026-09-28, workdays only", await page.InnerTextAsync("#day"), StringComparison.Ordinal);
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var dates = await scope.ServiceProvider.GetRequiredService<TokenwardDb>().PersonalAccessTokens.Where(t => ids.Contains(t.Id)).Select(t => t.ExpiresAt!.Value).ToListAsync();
            Assert.Equal(12, dates.Distinct().Count());
            Assert.All(dates, d => Assert.True(d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && d >= new DateOnly(2026, 9, 1) && d <= new DateOnly(2026, 9, 28), d.ToString()));
        }
    }
}
