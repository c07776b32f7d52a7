using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Cli;

/// <summary>
/// Drives a real Tokenward with <c>@gitbeaker/rest</c>, a GitLab API client from npm, through
/// <c>tests/compat/gitbeaker.mjs</c>. <c>scripts/test</c> installs the package first.
/// </summary>
public class GitbeakerCompatibilityTests
{
    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Gitbeaker_manages_users_groups_projects_and_every_token_kind(DatabaseEngine engine)
    {
        Assert.True(
            Directory.Exists(Path.Combine(CompatScript.Folder, "node_modules", "@gitbeaker", "rest")),
            $"@gitbeaker/rest is not installed: run `npm ci --prefix {CompatScript.Folder}` (scripts/test does).");

        await using var server = await TestServer.StartAsync(engine);
        await CompatScript.RunAsync(server, "node", "gitbeaker.mjs", TimeSpan.FromSeconds(120), engine.ToString());
    }
}
