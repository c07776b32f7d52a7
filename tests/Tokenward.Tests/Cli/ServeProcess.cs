using System.Diagnostics;
using System.Text;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Cli;

/// <summary><c>tokenward serve</c> running as a child process, stopped (SIGTERM) on dispose.</summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private ServeProcess(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>The exit code once the process has ended.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public static async Task<ServeProcess> StartAsync(IReadOnlyDictionary<string, string> env, string[] args, Uri url)
    {
        var serve = Launch(env, args, url);
        await serve.WaitUntilHealthyAsync();
        return serve;
    }

    /// <summary>Starts the process without waiting for it to serve.</summary>
    public static ServeProcess Launch(IReadOnlyDictionary<string, string> env, string[] args, Uri url)
    {
        var process = Process.Start(TokenwardProcess.StartInfo(env, args))!;
        var serve = new ServeProcess(process, url);
        process.OutputDataReceived += (_, e) => { lock (serve._stdout) { serve._stdout.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (serve._stderr) { serve._stderr.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return serve;
    }

    /// <summary>Waits until <c>/-/health</c> answers; stops the process and throws if it ends or does not within 30 s.</summary>
    public async Task WaitUntilHealthyAsync()
    {
        using var client = new HttpClient();
        var deadline = Deadline.InSeconds(30);
        while (true)
        {
            try
            {
                if ((await client.GetAsync(new Uri(Url, "/-/health"))).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (_process.HasExited || deadline.Passed)
            {
                var exit = _process.HasExited ? $"exit code {_process.ExitCode}" : "still running after 30 s";
                await DisposeAsync();
                throw new InvalidOperationException($"tokenward serve did not start ({exit}): {_stdout}{_stderr}");
            }

            await Task.Delay(100);
        }
    }

    public void Signal(string name) =>
        Process.Start("kill", ["-" + name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    /// <summary>Stops the server gracefully and returns everything it printed on standard output.</summary>
    public async Task<string> StopAsync()
    {
        if (!_process.HasExited)
        {
            Signal("TERM");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        lock (_stdout)
        {
            return _stdout.ToString();
        }
    }

    /// <summary>Stops and lets go of the process; again (a failed start already did) is nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await StopAsync();
        _process.Dispose();
    }

    private int _disposed;
}
