using System.Text.Json.Nodes;
using Tokenward.Storage;
using Tokenward.Tests.Cli;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.TokenService;

/// <summary><c>tokenward tokens lookup</c> and <c>tokens revoke --value -</c>, on the database and through the API, the value on standard input only.</summary>
public sealed class TokenValueCliTests
{
    [Theory]
    [InlineData(DatabaseEngine.Sqlite, false)]
    [InlineData(DatabaseEngine.Postgres, false)]
    [InlineData(DatabaseEngine.Sqlite, true)]
    public async Task A_token_found_in_the_wild_is_looked_up_and_revoked_by_its_value(DatabaseEngine engine, bool remote)
    {
        await using var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        var (id, token) = await server.CreateTokenAsync(alice, ["api"], "2026-09-01", name: "leaked");
        string[] where = remote
            ? ["--url", server.BaseAddress.ToString(), "--token", TestServer.RootToken]
            : ["--data-dir", server.Dir, .. engine == DatabaseEngine.Postgres ? new[] { "--database", server.Settings.Database.ConnectionString } : []];

        var lookup = await TokenwardProcess.RunWithStdinAsync(null, token + "\n", ["tokens", "lookup", "--format", "json", .. where]);
        Assert.True(lookup.ExitCode == 0, lookup.Stderr);
        var row = JsonNode.Parse(lookup.Stdout)!.AsArray().Single()!;
        Assert.Equal((id, "leaked", "alice", "2026-09-01"), ((long)row["id"]!, (string?)row["name"], (string?)row["username"], (string?)row["expires_at"]));
        Assert.DoesNotContain(token, lookup.Stdout + lookup.Stderr, StringComparison.Ordinal);

        // A dry run first, then the revocation.
        var dry = await TokenwardProcess.RunWithStdinAsync(null, token, ["tokens", "revoke", "--value", "-", .. where]);
        Assert.True(dry.ExitCode == 0, dry.Stderr);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await server.GetAsync("/api/v4/user", token)).StatusCode);
        var revoke = await TokenwardProcess.RunWithStdinAsync(null, token, ["tokens", "revoke", "--value", "-", "--yes", .. where]);
        Assert.True(revoke.ExitCode == 0, revoke.Stderr);
        // A CLI process on SQLite tells no other process: the server's cache lets the token go after its seconds.
        server.Clock.Advance(TimeSpan.FromSeconds(server.Settings.AuthCacheSeconds + 1));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await server.GetAsync("/api/v4/user", token)).StatusCode);
    }

    [Fact]
    public async Task The_value_is_never_taken_from_the_command_line_and_an_unknown_one_is_an_error()
    {
        await using var server = await TestServer.StartAsync();
        var alice = await server.CreateUserAsync("alice");
        var (_, token) = await server.CreateTokenAsync(alice, ["api"]);

        var inline = await TokenwardProcess.RunAsync(null, "tokens", "revoke", "--value", token, "--data-dir", server.Dir);
        Assert.NotEqual(0, inline.ExitCode);
        Assert.Contains("reads the value from standard input", inline.Stderr, StringComparison.Ordinal);

        var unknown = await TokenwardProcess.RunWithStdinAsync(null, "glpat-not-issued-here-0000000000000000000", ["tokens", "lookup", "--data-dir", server.Dir]);
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("no token has this value", unknown.Stderr, StringComparison.Ordinal);

        var empty = await TokenwardProcess.RunWithStdinAsync(null, "", ["tokens", "lookup", "--data-dir", server.Dir]);
        Assert.NotEqual(0, empty.ExitCode);
        Assert.Contains("no token value on standard input", empty.Stderr, StringComparison.Ordinal);
    }
}
