using System.Diagnostics;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Cli;

/// <summary>
/// Drives a real Tokenward with <c>@gitbeaker/rest</c>, a GitLab API client from npm, through
/// <c>tests/compat/gitbeaker.mjs</c>. <c>scripts/test</c> installs the package first.
/// </summary>
public class GitbeakerCompatibilityTests
{
    [Fact]
    public async Task Gitbeaker_manages_users_groups_projects_and_every_token_kind()
    {
        var compat = FindCompatFolder();
        Assert.True(
            Directory.Exists(Path.Combine(compat, "node_modules", "@gitbeaker", "rest")),
            $"@gitbeaker/rest is not installed: run `npm ci --prefix {compat}` (scripts/test does).");

        await using var server = await TestServer.StartAsync();
        var start = new ProcessStartInfo("node", [Path.Combine(compat, "gitbeaker.mjs")])
        {
            WorkingDirectory = compat,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["GITLAB_URL"] = server.BaseAddress.ToString().TrimEnd('/');
        start.Environment["GITLAB_TOKEN"] = TestServer.RootToken;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, output);
        Assert.Contains(" passed, 0 failed", output, StringComparison.Ordinal);
    }

    private static string FindCompatFolder() => Path.Combine(Repo.Root, "tests", "compat");
}
