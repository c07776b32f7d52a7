using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.AuthBans;
using Tokenward.Storage;
using Tokenward.Tests.Http;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Web;

/// <summary>The web UI over HTTP: sign-in, the session and its limits, who sees which page. The browser flows are in <see cref="BrowserTests"/>.</summary>
public sealed class WebUiTests
{
    private const string Password = "correct horse battery";

    private static async Task<long> UserWithPasswordAsync(TestServer server, string username, bool admin = false)
    {
        var response = await server.PostJsonAsync("/api/v4/users", new { username, email = $"{username}@example.com", name = username, admin, password = Password });
        await Expect.StatusAsync(response, 201);
        return (await TestServer.Json(response))["id"]!.GetValue<long>();
    }

    private static async Task<WebSession> SignedInAsync(TestServer server, string username)
    {
        var web = new WebSession(server);
        var (status, _, response) = await web.SignInAsync(username, Password);
        Assert.Equal(HttpStatusCode.Redirect, status);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
        return web;
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Passwords_given_to_the_users_API_are_stored_as_salted_hashes_and_short_ones_refused(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var aliceId = await UserWithPasswordAsync(server, "alice");
        var bobId = await UserWithPasswordAsync(server, "bob");

        await using (var scope = server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
            var hashes = await db.Users.Where(u => u.Id == aliceId || u.Id == bobId).Select(u => u.EncryptedPassword).ToListAsync();
            Assert.All(hashes, h => Assert.DoesNotContain(Password, h!, StringComparison.Ordinal));
            // Same password, different salts.
            Assert.NotEqual(hashes[0], hashes[1]);
        }

        var tooShort = await server.PostJsonAsync("/api/v4/users", new { username = "carol", email = "carol@example.com", name = "Carol", password = "short" });
        await Expect.BodyAsync(tooShort, 400, """{"message":{"password":["is too short (minimum is 8 characters)"]}}""");

        var put = await server.Client.SendAsync(TestServer.Request(HttpMethod.Put, $"/api/v4/users/{aliceId}", content: new FormUrlEncodedContent([new("password", "another long password")])));
        await Expect.StatusAsync(put, 200);
        using var web = new WebSession(server);
        Assert.Equal(HttpStatusCode.Unauthorized, (await web.SignInAsync("alice", Password)).Status);
        Assert.Equal(HttpStatusCode.Redirect, (await web.SignInAsync("alice@example.com", "another long password")).Status);

        var badPut = await server.Client.SendAsync(TestServer.Request(HttpMethod.Put, $"/api/v4/users/{aliceId}", content: new FormUrlEncodedContent([new("password", "x")])));
        await Expect.StatusAsync(badPut, 400);
        var notAdmin = await server.CreateTokenAsync(bobId, ["api"]);
        var forbidden = await server.Client.SendAsync(TestServer.Request(HttpMethod.Put, $"/api/v4/users/{aliceId}", notAdmin.Token, new FormUrlEncodedContent([new("password", "stolen password!")])));
        await Expect.StatusAsync(forbidden, 403);
    }

    [Fact]
    public async Task A_session_cookie_never_authorizes_the_API_and_a_token_never_opens_a_page()
    {
        await using var server = await TestServer.StartAsync();
        await UserWithPasswordAsync(server, "alice");
        using var web = await SignedInAsync(server, "alice");

        var (status, html, _) = await web.GetAsync("/-/user_settings/personal_access_tokens");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("alice", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await web.GetAsync("/api/v4/user")).Status);

        using var withToken = new WebSession(server);
        var page = await withToken.SendAsync(TestServer.Request(HttpMethod.Get, "/-/user_settings/personal_access_tokens"));
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/users/sign_in", page.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Behind_a_TLS_proxy_the_session_and_antiforgery_cookies_are_secure_when_a_trusted_proxy_says_https(bool trusted)
    {
        // The proxy speaks plain HTTP to Tokenward and says, in X-Forwarded-Proto, that the browser spoke HTTPS.
        await using var server = await TestServer.StartAsync(configure: s => s with { TrustedProxies = BanPolicy.ParseNetworks(trusted ? "127.0.0.1" : "") });
        await UserWithPasswordAsync(server, "alice");
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        using var pageRequest = new HttpRequestMessage(HttpMethod.Get, "/users/sign_in").WithHeader("X-Forwarded-Proto", "https");
        using var page = await client.SendAsync(pageRequest);
        var antiforgery = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("_tokenward_csrf=", StringComparison.Ordinal));
        Assert.Equal(trusted, antiforgery.Contains("; secure", StringComparison.OrdinalIgnoreCase));

        using var signIn = new HttpRequestMessage(HttpMethod.Post, "/users/sign_in?handler=Password")
        {
            Content = new FormUrlEncodedContent([new("user[login]", "alice"), new("user[password]", Password), new("authenticity_token", WebSession.AntiforgeryToken(await page.Content.ReadAsStringAsync()))]),
        };
        signIn.Headers.Add("Cookie", antiforgery.Split(';')[0]);
        signIn.Headers.Add("X-Forwarded-Proto", "https");
        using var signedIn = await client.SendAsync(signIn);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var session = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(Tokenward.Web.WebSession.CookieName + "=", StringComparison.Ordinal));
        Assert.Equal(trusted, session.Contains("; secure", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Pages_are_never_cached_framed_or_given_foreign_scripts()
    {
        await using var server = await TestServer.StartAsync();
        using var web = new WebSession(server);
        var (_, _, response) = await web.GetAsync("/users/sign_in");
        Assert.Contains("no-store", response.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.DoesNotContain(server.ServerLog.Entries, e => e.Contains("Antiforgery", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Signing_in_with_a_token_needs_read_user_or_api_and_a_read_user_session_only_looks()
    {
        await using var server = await TestServer.StartAsync();
        var aliceId = await server.CreateUserAsync("alice");
        var readApi = await server.CreateTokenAsync(aliceId, ["read_api"], "2026-12-01");
        var readUser = await server.CreateTokenAsync(aliceId, ["read_user"], "2026-12-01", "browser");

        using var web = new WebSession(server);
        var refused = await web.SignInWithTokenAsync(readApi.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("needs the read_user or api scope", refused.Html, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Redirect, (await web.SignInWithTokenAsync(readUser.Token)).Status);
        var (status, html, _) = await web.GetAsync("/-/user_settings/personal_access_tokens");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain("Add a personal access token", html, StringComparison.Ordinal);

        // Posting anyway (a form kept from elsewhere) changes nothing: read_user must not mint an api token.
        var create = await web.PostAsync("/-/user_settings/personal_access_tokens", "/-/user_settings/personal_access_tokens?handler=Create",
            [new("name", "escalated"), new("scopes[]", "api"), new("expires_at", "2026-07-01")]);
        Assert.Equal(HttpStatusCode.Forbidden, create.Status);
        await using var scope = server.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<TokenwardDb>().PersonalAccessTokens.AnyAsync(t => t.Name == "escalated"));

        // Revoking the token that opened the session ends it at the next click.
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/personal_access_tokens/{readUser.Id}"), 204);
        Assert.Equal(HttpStatusCode.Redirect, (await web.GetAsync("/-/user_settings/personal_access_tokens")).Status);
    }

    [Fact]
    public async Task Failed_sign_ins_count_towards_the_address_ban_and_are_logged_with_their_reason()
    {
        await using var server = await TestServer.StartAsync(configure: s => s with { BanPolicy = new BanPolicy { MaxFailures = 3, Allowlist = [] } });
        await UserWithPasswordAsync(server, "alice");
        var rootId = 1L;
        var token = await server.CreateTokenAsync(rootId, ["api"]);
        using var web = new WebSession(server);

        for (var i = 0; i < 3; i++)
        {
            var failed = await web.SignInAsync("alice", "wrong password " + i);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.Status);
            Assert.Contains("Invalid login or password.", failed.Html, StringComparison.Ordinal);
        }

        var banned = await web.SignInAsync("alice", Password);
        Assert.Equal(HttpStatusCode.Forbidden, banned.Status);
        Assert.Contains("Too many failed sign-in attempts", banned.Html, StringComparison.Ordinal);
        // One ban for the address: the API refuses it too.
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", token.Token), 403);
        Assert.Contains(server.ServerLog.Entries, e => e.Contains("Failed sign-in to the web UI from 127.0.0.1 as 'alice' with a password: invalid_password", StringComparison.Ordinal));
        Assert.DoesNotContain(server.ServerLog.Entries, e => e.Contains("wrong password", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_blocked_user_cannot_sign_in_and_blocking_ends_an_open_session()
    {
        await using var server = await TestServer.StartAsync();
        var aliceId = await UserWithPasswordAsync(server, "alice");
        using var web = await SignedInAsync(server, "alice");

        await Expect.StatusAsync(await server.PostFormAsync($"/api/v4/users/{aliceId}/block", []), 201);
        var next = await web.GetAsync("/-/user_settings/personal_access_tokens");
        Assert.Equal(HttpStatusCode.Redirect, next.Status);

        using var again = new WebSession(server);
        var refused = await again.SignInAsync("alice", Password);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("Your account has been blocked", refused.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_form_posted_without_its_antiforgery_token_is_refused()
    {
        await using var server = await TestServer.StartAsync();
        await UserWithPasswordAsync(server, "alice");
        using var web = await SignedInAsync(server, "alice");
        var forged = await web.PostAsync("/-/user_settings/personal_access_tokens", "/-/user_settings/personal_access_tokens?handler=Create",
            [new("name", "forged"), new("scopes[]", "api"), new("expires_at", "2026-07-01")], antiforgery: false);
        Assert.Equal(HttpStatusCode.BadRequest, forged.Status);
        await using var scope = server.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<TokenwardDb>().PersonalAccessTokens.AnyAsync(t => t.Name == "forged"));

        // The sign-out form is protected too: a link elsewhere cannot end the session.
        Assert.Equal(HttpStatusCode.BadRequest, (await web.PostAsync("/users/sign_out", "/users/sign_out", [], antiforgery: false)).Status);
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/-/user_settings/personal_access_tokens")).Status);
    }

    [Fact]
    public async Task A_session_left_idle_past_the_timeout_ends()
    {
        await using var server = await TestServer.StartAsync(configure: s => s with { SessionIdle = TimeSpan.FromMinutes(30) });
        await UserWithPasswordAsync(server, "alice");
        using var web = await SignedInAsync(server, "alice");
        // In use, it slides: a request after half the timeout renews it, so +45 min is still in.
        server.Clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/-/user_settings/personal_access_tokens")).Status);
        server.Clock.Advance(TimeSpan.FromMinutes(25));
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/-/user_settings/personal_access_tokens")).Status);
        server.Clock.Advance(TimeSpan.FromMinutes(31));
        var expired = await web.GetAsync("/-/user_settings/personal_access_tokens");
        Assert.Equal(HttpStatusCode.Redirect, expired.Status);
        Assert.StartsWith("/users/sign_in", expired.Response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_busy_session_still_ends_a_day_after_its_sign_in()
    {
        await using var server = await TestServer.StartAsync(configure: s => s with { SessionIdle = TimeSpan.FromMinutes(60) });
        await UserWithPasswordAsync(server, "alice");
        using var web = await SignedInAsync(server, "alice");
        for (var i = 0; i < 47; i++)
        {
            server.Clock.Advance(TimeSpan.FromMinutes(30));
            Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/-/user_settings/personal_access_tokens")).Status);
        }

        server.Clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(HttpStatusCode.Redirect, (await web.GetAsync("/-/user_settings/personal_access_tokens")).Status);
    }

    [Fact]
    public async Task Ten_wrong_passwords_lock_the_account_for_ten_minutes_from_any_address()
    {
        // No address ban here (the loopback is allowlisted): the lock is the account's own.
        await using var server = await TestServer.StartAsync();
        await UserWithPasswordAsync(server, "alice");
        using var web = new WebSession(server);
        for (var i = 0; i < 9; i++)
        {
            Assert.Contains("Invalid login or password.", (await web.SignInAsync("alice", "wrong " + i)).Html, StringComparison.Ordinal);
        }

        Assert.Contains("Your account is locked.", (await web.SignInAsync("alice", "wrong 9")).Html, StringComparison.Ordinal);
        var locked = await web.SignInAsync("alice", Password);
        Assert.Equal(HttpStatusCode.Unauthorized, locked.Status);
        Assert.Contains("Your account is locked.", locked.Html, StringComparison.Ordinal);
        server.Clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(HttpStatusCode.Redirect, (await web.SignInAsync("alice", Password)).Status);
        Assert.Contains(server.ServerLog.Entries, e => e.Contains("account_locked", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_session_opened_with_a_token_gives_new_tokens_only_what_the_token_could_through_the_API()
    {
        await using var server = await TestServer.StartAsync();
        var bossId = await UserWithPasswordAsync(server, "boss", admin: true);
        var plain = await server.CreateTokenAsync(bossId, ["api"], "2026-07-01", "plain api");
        using var web = new WebSession(server);
        Assert.Equal(HttpStatusCode.Redirect, (await web.SignInWithTokenAsync(plain.Token)).Status);
        foreach (var scope in new[] { "api", "admin_mode", "sudo" })
        {
            var create = await web.PostAsync("/-/user_settings/personal_access_tokens", "/-/user_settings/personal_access_tokens?handler=Create",
                [new("name", "successor " + scope), new("scopes[]", scope), new("expires_at", "2026-07-01")]);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, create.Status);
        }

        var allowed = await web.PostAsync("/-/user_settings/personal_access_tokens", "/-/user_settings/personal_access_tokens?handler=Create",
            [new("name", "rotator"), new("scopes[]", "self_rotate"), new("expires_at", "2026-07-01")]);
        Assert.Equal(HttpStatusCode.OK, allowed.Status);
        await using var scope2 = server.Services.CreateAsyncScope();
        Assert.False(await scope2.ServiceProvider.GetRequiredService<TokenwardDb>().PersonalAccessTokens.AnyAsync(t => t.Name.StartsWith("successor")));
    }

    [Fact]
    public async Task Another_users_token_cannot_be_revoked_or_rotated_through_ones_own_page()
    {
        await using var server = await TestServer.StartAsync();
        await UserWithPasswordAsync(server, "alice");
        var bobId = await UserWithPasswordAsync(server, "bob");
        var bobs = await server.CreateTokenAsync(bobId, ["api"], "2026-07-01");
        using var alice = await SignedInAsync(server, "alice");
        foreach (var handler in new[] { "Revoke", "Rotate" })
        {
            var attempt = await alice.PostAsync("/-/user_settings/personal_access_tokens", $"/-/user_settings/personal_access_tokens?handler={handler}&id={bobs.Id}", []);
            Assert.Equal(HttpStatusCode.NotFound, attempt.Status);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync($"/-/user_settings/personal_access_tokens?confirm=revoke&id={bobs.Id}")).Status);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/personal_access_tokens/self", bobs.Token), 200);
    }

    [Fact]
    public async Task Sign_in_only_redirects_within_the_site()
    {
        await using var server = await TestServer.StartAsync();
        await UserWithPasswordAsync(server, "alice");
        using var web = new WebSession(server);
        foreach (var target in new[] { "https://evil.example/", "//evil.example/", "/\\evil.example", "/\t/evil.example" })
        {
            var (_, _, response) = await web.PostAsync("/users/sign_in", "/users/sign_in?handler=Password",
                [new("user[login]", "alice"), new("user[password]", Password), new("redirect_to", target)]);
            Assert.True("/" == response.Headers.Location?.OriginalString, $"{target}: {response.StatusCode} {response.Headers.Location}");
        }

        var (_, _, local) = await web.PostAsync("/users/sign_in", "/users/sign_in?handler=Password",
            [new("user[login]", "alice"), new("user[password]", Password), new("redirect_to", "/admin/credentials?state=all")]);
        Assert.Equal("/admin/credentials?state=all", local.Headers.Location?.OriginalString);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Resource_token_pages_are_for_maintainers_and_owners_and_a_role_above_ones_own_cannot_be_given(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var group = await GroupsAndProjectsApiTests.CreateGroupAsync(server, "acme");
        var project = await GroupsAndProjectsApiTests.CreateProjectAsync(server, "app", group);
        var devId = await UserWithPasswordAsync(server, "dev");
        var maintainerId = await UserWithPasswordAsync(server, "maintainer");
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/members", new { user_id = devId, access_level = 30 }), 201);
        await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/projects/{project}/members", new { user_id = maintainerId, access_level = 40 }), 201);

        using var dev = await SignedInAsync(server, "dev");
        Assert.Equal(HttpStatusCode.NotFound, (await dev.GetAsync("/acme/app/-/settings/access_tokens")).Status);
        using var maintainer = await SignedInAsync(server, "maintainer");
        Assert.Equal(HttpStatusCode.OK, (await maintainer.GetAsync("/acme/app/-/settings/access_tokens")).Status);
        // A group's tokens are its Owners'.
        Assert.Equal(HttpStatusCode.NotFound, (await maintainer.GetAsync("/groups/acme/-/settings/access_tokens")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await maintainer.GetAsync("/acme/nothing/-/settings/access_tokens")).Status);

        var owner = await maintainer.PostAsync("/acme/app/-/settings/access_tokens", "/acme/app/-/settings/access_tokens?handler=Create",
            [new("name", "deploy"), new("scopes[]", "read_api"), new("access_level", "50"), new("expires_at", "2026-07-01")]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, owner.Status);
        var created = await maintainer.PostAsync("/acme/app/-/settings/access_tokens", "/acme/app/-/settings/access_tokens?handler=Create",
            [new("name", "deploy"), new("scopes[]", "read_api"), new("access_level", "30"), new("expires_at", "2026-07-01")]);
        Assert.Equal(HttpStatusCode.OK, created.Status);
        var value = WebSession.CreatedToken(created.Html);
        Assert.NotNull(value);
        var self = await TestServer.Json(await server.GetAsync("/api/v4/personal_access_tokens/self", value));
        Assert.Equal("deploy", (string?)self["name"]);

        // An Owner-role token made by an admin: a Maintainer may see and revoke it, not rotate it (its new value would be an Owner's).
        var ownerToken = await TestServer.Json(await server.PostJsonAsync($"/api/v4/projects/{project}/access_tokens", new { name = "release", scopes = new[] { "api" }, access_level = 50, expires_at = "2026-07-01" }));
        var ownerTokenId = (long)ownerToken["id"]!;
        var page = await maintainer.GetAsync("/acme/app/-/settings/access_tokens");
        Assert.DoesNotContain("aria-label=\"Rotate release\"", page.Html, StringComparison.Ordinal);
        var rotate = await maintainer.PostAsync("/acme/app/-/settings/access_tokens", $"/acme/app/-/settings/access_tokens?handler=Rotate&id={ownerTokenId}", []);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, rotate.Status);
        Assert.Null(WebSession.CreatedToken(rotate.Html));
        await Expect.StatusAsync(await server.GetAsync("/api/v4/personal_access_tokens/self", (string)ownerToken["token"]!), 200);
    }

    [Fact]
    public async Task The_admin_area_is_for_admins_only()
    {
        await using var server = await TestServer.StartAsync();
        await UserWithPasswordAsync(server, "alice");
        await UserWithPasswordAsync(server, "boss", admin: true);
        string[] pages = ["/admin/credentials", "/admin/expiry_calendar", "/admin/at_risk", "/admin/authentication_failures", "/admin/audit_logs", "/admin/users", "/admin/application_settings"];
        using var alice = await SignedInAsync(server, "alice");
        using var boss = await SignedInAsync(server, "boss");
        foreach (var page in pages)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync(page)).Status);
            Assert.Equal(HttpStatusCode.OK, (await boss.GetAsync(page)).Status);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await alice.PostAsync("/-/user_settings/personal_access_tokens", "/admin/application_settings",
            [new("require_personal_access_token_expiry", "1"), new("max_personal_access_token_lifetime", "5")])).Status);
        var policy = await TestServer.Json(await server.GetAsync("/api/v4/application/settings"));
        Assert.NotEqual(5, (int)policy["max_personal_access_token_lifetime"]!);
    }

    [Fact]
    public async Task The_calendar_file_lists_the_active_tokens_on_their_expiry_dates()
    {
        await using var server = await TestServer.StartAsync();
        var aliceId = await UserWithPasswordAsync(server, "alice");
        await server.CreateTokenAsync(aliceId, ["api"], "2026-06-20", "deploy; prod");
        var revoked = await server.CreateTokenAsync(aliceId, ["api"], "2026-06-21", "old");
        await Expect.StatusAsync(await server.DeleteAsync($"/api/v4/personal_access_tokens/{revoked.Id}"), 204);
        using var web = await SignedInAsync(server, "alice");
        var (status, ics, response) = await web.GetAsync("/-/user_settings/personal_access_tokens.ics");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text/calendar", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("BEGIN:VCALENDAR\r\n", ics, StringComparison.Ordinal);
        Assert.Contains("DTSTART;VALUE=DATE:20260620\r\n", ics, StringComparison.Ordinal);
        Assert.Contains("SUMMARY:Token 'deploy\\; prod' expires today\r\n", ics, StringComparison.Ordinal);
        // The revoked token's date is not there: one event, the active token's.
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(ics, "BEGIN:VEVENT"));
        Assert.DoesNotContain("old", ics, StringComparison.Ordinal);
        Assert.EndsWith("END:VCALENDAR\r\n", ics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_input_to_pages_gets_a_clear_answer_not_a_500()
    {
        await using var server = await TestServer.StartAsync();
        await UserWithPasswordAsync(server, "boss", admin: true);
        using var web = await SignedInAsync(server, "boss");
        foreach (var path in new[] { "/admin/audit_logs?created_before=9999-12-31", "/admin/expiry_calendar?day=9999-12-31", "/admin/credentials?expires_on=9999-12-31&page=99999", "/admin/credentials?within=9999y", "/admin/at_risk?within=9999y&used_within=9999y" })
        {
            Assert.True((int)(await web.GetAsync(path)).Status < 500, path);
        }

        foreach (var path in new[] { "/admin/credentials?user=nobody", "/admin/credentials?expires_on=2026-13-45", "/admin/credentials?within=soon", "/admin/credentials?kind=robot", "/admin/audit_logs?entity_type=Planet", "/admin/audit_logs?created_after=yesterday" })
        {
            var (status, html, _) = await web.GetAsync(path);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains("alert error", html, StringComparison.Ordinal);
        }

        var badDate = await web.PostAsync("/-/user_settings/personal_access_tokens", "/-/user_settings/personal_access_tokens?handler=Create",
            [new("name", "x"), new("scopes[]", "api"), new("expires_at", "next week")]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badDate.Status);
        var tooLate = await web.PostAsync("/-/user_settings/personal_access_tokens", "/-/user_settings/personal_access_tokens?handler=Create",
            [new("name", "x"), new("scopes[]", "api"), new("expires_at", "2030-01-01")]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooLate.Status);
        Assert.Contains("maximum lifetime", tooLate.Html, StringComparison.Ordinal);
        var noScope = await web.PostAsync("/-/user_settings/personal_access_tokens", "/-/user_settings/personal_access_tokens?handler=Create",
            [new("name", "x"), new("expires_at", "2026-07-01")]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noScope.Status);
        var revokeOther = await web.PostAsync("/-/user_settings/personal_access_tokens", "/-/user_settings/personal_access_tokens?handler=Revoke&id=999999", []);
        Assert.Equal(HttpStatusCode.NotFound, revokeOther.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await web.GetAsync("/-/user_settings/personal_access_tokens?confirm=revoke&id=999999")).Status);
    }
}
