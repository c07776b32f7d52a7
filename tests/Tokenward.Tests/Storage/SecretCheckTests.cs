using Tokenward.Hosting;
using Tokenward.Storage;
using Tokenward.Tests.Cli;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Storage;

/// <summary>Nodes sharing a database must share its secret: one with another secret refuses to start, saying why.</summary>
public sealed class SecretCheckTests
{
    [Fact]
    public async Task A_second_node_with_another_secret_refuses_to_start_and_one_with_the_same_secret_starts()
    {
        var database = new DatabaseTarget(DatabaseEngine.Postgres, PostgresServer.Instance.CreateDatabase());
        await using var first = await TestServer.StartAsync(DatabaseEngine.Postgres, s => s with { Database = database });
        var (_, token) = await first.CreateTokenAsync(1, ["api"]);

        var other = Convert.ToBase64String(Enumerable.Repeat((byte)42, 32).ToArray());
        var refused = await Assert.ThrowsAsync<SettingsException>(() => TestServer.StartAsync(DatabaseEngine.Postgres, s => s with { Database = database, Secret = other }));
        Assert.Contains("is not the one this database's tokens were made with", refused.Message, StringComparison.Ordinal);
        // Its own secrets.json (a node set up on its own) is refused the same way.
        await Assert.ThrowsAsync<SettingsException>(() => TestServer.StartAsync(DatabaseEngine.Postgres, s => s with { Database = database }));

        await using var second = await TestServer.StartAsync(DatabaseEngine.Postgres, s => s with { Database = database, Secret = first.SecretValue });
        await Expect.StatusAsync(await second.GetAsync("/api/v4/personal_access_tokens/self", token), 200);

        // The CLI too: a command with another secret stops before touching anything.
        var cli = await TokenwardProcess.RunAsync(new Dictionary<string, string> { ["TOKENWARD_SECRET"] = other },
            [.. new[] { "users", "create-token", "root", "--name", "useless", "--scopes", "api" }, .. Engines.CliArgs(database, first.Dir)]);
        Assert.NotEqual(0, cli.ExitCode);
        Assert.Contains("is not the one this database's tokens were made with", cli.Stderr, StringComparison.Ordinal);
        var tokens = await TestServer.Json(await first.GetAsync("/api/v4/personal_access_tokens?user_id=1"));
        Assert.DoesNotContain(tokens.AsArray(), t => (string?)t!["name"] == "useless");
    }
}
