using System.Diagnostics;

namespace Tokenward.Tests.Cli;

/// <summary>Runs the real <c>tokenward</c> executable (built beside the tests) as a child process.</summary>
public static class TokenwardProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Task<Result> RunAsync(IReadOnlyDictionary<string, string>? env, params string[] args) => RunWithStdinAsync(env, null, args);

    /// <summary>As <see cref="RunAsync"/>, with <paramref name="stdin"/> piped to the process (then closed).</summary>
    public static async Task<Result> RunWithStdinAsync(IReadOnlyDictionary<string, string>? env, string? stdin, params string[] args)
    {
        var start = StartInfo(env, args);
        start.RedirectStandardInput = stdin is not null;
        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Never leave a child behind.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"tokenward {string.Join(' ', args)} did not finish within 120 s:\n{await stdout}{await stderr}");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary><c>dotnet tokenward.dll ARGS</c> with output redirected and the given environment added.</summary>
    public static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string>? env, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "tokenward.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            start.Environment[k] = v;
        }

        return start;
    }
}
