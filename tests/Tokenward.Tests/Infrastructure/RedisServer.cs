using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Tokenward.Tests.Infrastructure;

/// <summary>
/// A throwaway Redis (Debian's <c>redis-server</c>) on a free loopback port, one per test, without
/// persistence; it can be stopped and started again on the same port to take Redis away. Killed
/// on dispose and when the test run ends.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _dir;
    private Process? _process;

    private RedisServer(int port, string dir)
    {
        Port = port;
        _dir = dir;
    }

    public int Port { get; }

    public string Url => $"redis://127.0.0.1:{Port}";

    public Tokenward.Cluster.RedisTarget Target => Tokenward.Cluster.RedisTarget.Parse(Url);

    public static async Task<RedisServer> StartAsync()
    {
        var binary = Binary();
        var dir = Path.Combine(Path.GetTempPath(), "tokenward-redis-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var server = new RedisServer(Ports.Free(), dir);
        await server.StartAgainAsync(binary);
        return server;
    }

    /// <summary>Starts it (again) on its port; returns when it answers.</summary>
    public Task StartAgainAsync() => StartAgainAsync(Binary());

    private static string Binary() => new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("redis-server not found; install Debian's redis-server (scripts/test does).");

    private async Task StartAgainAsync(string binary)
    {
        var start = new ProcessStartInfo(binary)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir,
        };
        foreach (var a in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--dir", _dir })
        {
            start.ArgumentList.Add(a);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var process = _process;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Kill(process);
        var deadline = Deadline.InSeconds(20);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray());
                var buffer = new byte[16];
                var n = await stream.ReadAsync(buffer);
                if (System.Text.Encoding.ASCII.GetString(buffer, 0, n).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (SocketException)
            {
            }

            if (_process.HasExited || deadline.Passed)
            {
                throw new InvalidOperationException($"redis-server did not start on port {Port}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Kills it (SIGKILL): Redis is gone, as after a crash.</summary>
    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            Kill(process);
            await process.WaitForExitAsync();
            process.Dispose();
            _process = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
        }
    }
}
