using System.Diagnostics;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Cli;

/// <summary>
/// Drives a real Tokenward with python-gitlab (Debian's <c>python3-gitlab</c>, and its
/// <c>gitlab</c> CLI from <c>gitlab-cli</c>), a second GitLab API client, through
/// <c>tests/compat/python_gitlab.py</c>. <c>scripts/test</c> installs the packages first.
/// </summary>
public class PythonGitlabCompatibilityTests
{
    private const string Python = "/usr/bin/python3";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Python_gitlab_manages_users_groups_projects_and_every_token_kind(DatabaseEngine engine)
    {
        await RequirePythonGitlabAsync();
        await using var server = await TestServer.StartAsync(engine);
        // The script runs the gitlab CLI as child processes; a timeout ends them all.
        await CompatScript.RunAsync(server, Python, "python_gitlab.py", Timeout, engine.ToString());
    }

    /// <summary>Fails with what to install when Debian's python3-gitlab is missing.</summary>
    private static async Task RequirePythonGitlabAsync()
    {
        const string install = "install it with `apt-get install -y python3-gitlab gitlab-cli` (scripts/test does)";
        Assert.True(File.Exists(Python), $"{Python} is missing: python-gitlab runs on Debian's python3; {install}.");
        var start = new ProcessStartInfo(Python, ["-c", "import gitlab; print(gitlab.__version__)"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"python3-gitlab is not installed ({Python} cannot import gitlab): {install}.\n{await stdout}{await stderr}");
    }
}
