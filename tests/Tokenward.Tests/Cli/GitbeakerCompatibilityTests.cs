using System.Diagnostics;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Cli;

/// <summary>
/// Drives a real Tokenward with <c>@gitbeaker/rest</c>, a GitLab API client from npm, through
/// <c>tests/compat/gitbeaker.mjs</c>. <c>scripts/test</c> installs the package first.
/// </summary>
public class GitbeakerCompatibilityTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Gitbeaker_manages_users_groups_projects_and_every_token_kind(DatabaseEngine engine)
    {
        var compat = FindCompatFolder();
        Assert.True(
            Directory.Exists(Path.Combine(compat, "node_modules", "@gitbeaker", "rest")),
            $"@gitbeaker/rest is not installed: run `npm ci --prefix {compat}` (scripts/test does).");

        await using var server = await TestServer.StartAsync(engine);
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
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"gitbeaker.mjs did not finish within {Timeout.TotalSeconds} s on {engine}; output so far:\n{await stdout}{await stderr}");
        }

        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, $"gitbeaker.mjs on {engine} exited {process.ExitCode}:\n{output}");
        Assert.Contains(" passed, 0 failed", output, StringComparison.Ordinal);
    }

    private static string FindCompatFolder() => Path.Combine(Repo.Root, "tests", "compat");
}
