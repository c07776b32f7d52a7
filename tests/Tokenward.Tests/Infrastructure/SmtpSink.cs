using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tokenward.Tests.Infrastructure;

/// <summary>
/// A small real SMTP server on 127.0.0.1 that accepts every message and keeps it (the part of
/// RFC 5321 a client without TLS or auth uses). <see cref="FailNext"/> makes it refuse messages.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public SmtpSink()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public ConcurrentQueue<(string[] To, string Data)> Messages { get; } = new();

    /// <summary>How many next messages to refuse with a 451.</summary>
    public int FailNext { get; set; }

    /// <summary>How many connections were opened (and not refused).</summary>
    public int Connections => _connections;

    private int _connections;

    /// <summary>How many connections were answered 421 while <see cref="Down"/>.</summary>
    public int Refused => _refused;

    private int _refused;

    /// <summary>While set, every connection is answered 421 and closed: a server that is down.</summary>
    public bool Down { get; set; }

    /// <summary>The <c>Message-Id</c> of a message as received.</summary>
    public static string? MessageId(string data) =>
        System.Text.RegularExpressions.Regex.Match(data, @"^Message-Id:\s*<([^>]+)>", System.Text.RegularExpressions.RegexOptions.Multiline | System.Text.RegularExpressions.RegexOptions.IgnoreCase) is { Success: true } m ? m.Groups[1].Value : null;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.ASCII);
            await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
            if (Down)
            {
                Interlocked.Increment(ref _refused);
                await writer.WriteLineAsync("421 sink down");
                return;
            }

            Interlocked.Increment(ref _connections);
            await writer.WriteLineAsync("220 sink ESMTP");
            var to = new List<string>();
            while (await reader.ReadLineAsync() is { } line)
            {
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO" or "HELO":
                        await writer.WriteLineAsync("250 sink");
                        break;
                    case "MAIL":
                        to.Clear();
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "RCPT":
                        to.Add(line[(line.IndexOf('<', StringComparison.Ordinal) + 1)..line.IndexOf('>', StringComparison.Ordinal)]);
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 go on");
                        var data = new StringBuilder();
                        string? d;
                        while ((d = await reader.ReadLineAsync()) is not null && d != ".")
                        {
                            data.AppendLine(d);
                        }

                        if (d is null)
                        {
                            // The client went away mid-message: like any SMTP server, keep nothing.
                            return;
                        }

                        if (FailNext > 0)
                        {
                            FailNext--;
                            await writer.WriteLineAsync("451 try again later");
                        }
                        else
                        {
                            Messages.Enqueue((to.ToArray(), data.ToString()));
                            await writer.WriteLineAsync("250 queued");
                        }

                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 bye");
                        return;
                    default:
                        await writer.WriteLineAsync("250 OK");
                        break;
                }
            }
        }
    }
}
