using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Http;

public class SudoAndAdminModeTests
{
    private static HttpRequestMessage WithSudo(string path, string token, string sudo) =>
        TestServer.Request(HttpMethod.Get, path, token).WithHeader("Sudo", sudo);

    [Fact]
    public async Task An_admin_token_with_sudo_acts_as_the_named_user()
    {
        await using var server = await TestServer.StartAsync();
        var alice = await server.CreateUserAsync("alice");
        var (aliceToken, _) = await server.CreateTokenAsync(alice, ["api"]);

        var byName = await server.Client.SendAsync(WithSudo("/api/v4/user", TestServer.RootToken, "alice"));
        await Expect.StatusAsync(byName, 200);
        Assert.Equal("alice", (string?)(await TestServer.Json(byName))["username"]);
        var byId = await server.GetAsync($"/api/v4/personal_access_tokens?sudo={alice}");
        Assert.Equal(aliceToken, (long)Assert.Single((await TestServer.Json(byId)).AsArray())!["id"]!);

        var line = await server.LogLineAsync(l => (string?)l["path"] == "/api/v4/user" && (int?)l["status"] == 200);
        Assert.Equal("alice", (string?)line["username"]);

        // Acting as alice, root's admin rights are gone.
        var asAlice = await server.Client.SendAsync(TestServer.Request(HttpMethod.Post, "/api/v4/users/1/block", TestServer.RootToken, JsonContent.Create(new { })).WithHeader("Sudo", "alice"));
        await Expect.BodyAsync(asAlice, 403, """{"message":"403 Forbidden"}""");
    }

    [Fact]
    public async Task Sudo_needs_an_admin_with_a_sudo_scoped_token_and_a_real_user()
    {
        await using var server = await TestServer.StartAsync();
        var alice = await server.CreateUserAsync("alice");
        var (_, aliceToken) = await server.CreateTokenAsync(alice, ["api", "sudo"]);
        var (_, rootApiOnly) = await server.CreateTokenAsync(1, ["api"]);

        await Expect.BodyAsync(await server.Client.SendAsync(WithSudo("/api/v4/user", aliceToken, "root")), 403, """{"message":"403 Forbidden - Must be admin to use sudo"}""");
        var noScope = await server.Client.SendAsync(WithSudo("/api/v4/user", rootApiOnly, "alice"));
        await Expect.StatusAsync(noScope, 403);
        Assert.Equal("sudo", (string?)(await TestServer.Json(noScope))["scope"]);
        var line = await server.LogLineAsync(l => (string?)l["meta.auth_fail_reason"] == "insufficient_scope");
        Assert.Equal("sudo", (string?)line["meta.auth_fail_requested_scopes"]);
        await Expect.BodyAsync(await server.Client.SendAsync(WithSudo("/api/v4/user", TestServer.RootToken, "nobody")), 404, """{"message":"404 User with ID or username 'nobody' Not Found"}""");
    }

    [Fact]
    public async Task With_admin_mode_admin_endpoints_need_the_admin_mode_scope()
    {
        await using var server = await TestServer.StartAsync(configure: s => s with { AdminMode = true });
        // The bootstrap token (api, sudo) is no admin token now; make one that is, straight through the service.
        var (_, adminToken) = await CreateDirectAsync(server, ["api", "admin_mode"]);
        var (_, plainAdmin) = await CreateDirectAsync(server, ["api"]);

        await Expect.StatusAsync(await server.PostJsonAsync("/api/v4/users", new { username = "bob", email = "bob@example.com", name = "Bob" }, adminToken), 201);
        await Expect.BodyAsync(await server.PostJsonAsync("/api/v4/users", new { username = "eve", email = "eve@example.com", name = "Eve" }, plainAdmin), 403, """{"message":"403 Forbidden"}""");
        // Without admin mode rights the admin sees only their own tokens, like any user.
        var own = await TestServer.Json(await server.GetAsync("/api/v4/personal_access_tokens?per_page=100", plainAdmin));
        Assert.All(own.AsArray(), t => Assert.Equal(1, (long)t!["user_id"]!));
        await Expect.StatusAsync(await server.GetAsync("/api/v4/personal_access_tokens?user_id=2", plainAdmin), 401);
    }

    private static async Task<(long Id, string Token)> CreateDirectAsync(TestServer server, string[] scopes)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<Tokenward.PersonalAccessTokens.PersonalAccessTokenService>();
        var (token, plaintext) = await service.CreateAsync(new Tokenward.PersonalAccessTokens.NewToken(1, "admin", scopes), CancellationToken.None);
        return (token.Id, plaintext);
    }
}
