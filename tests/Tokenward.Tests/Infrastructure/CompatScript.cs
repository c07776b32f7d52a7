using System.Diagnostics;
using System.Globalization;

namespace Tokenward.Tests.Infrastructure;

/// <summary>
/// Runs a real GitLab client's script from <c>tests/compat</c> against a test server and asserts
/// that every step passed; on a timeout the script and its children (a CLI it runs) are killed.
/// </summary>
public static class CompatScript
{
    public static string Folder => Path.Combine(Repo.Root, "tests", "compat");

    public static async Task RunAsync(TestServer server, string program, string script, TimeSpan timeout, string label)
    {
        var start = new ProcessStartInfo(program, [Path.Combine(Folder, script)])
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["GITLAB_URL"] = server.BaseAddress.ToString().TrimEnd('/');
        start.Environment["GITLAB_TOKEN"] = TestServer.RootToken;
        // Expiry dates are valid relative to the server's fake clock, not the machine's.
        start.Environment["GITLAB_TODAY"] = TestServer.Start.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        start.Environment["PYTHONUNBUFFERED"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"{script} did not finish within {timeout.TotalSeconds} s on {label}; output so far:\n{await stdout}{await stderr}");
        }

        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, $"{script} on {label} exited {process.ExitCode}:\n{output}");
        Assert.Contains(" passed, 0 failed", output, StringComparison.Ordinal);
    }
}
