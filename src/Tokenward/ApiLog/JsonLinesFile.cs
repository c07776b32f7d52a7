using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace Tokenward.ApiLog;

/// <summary>
/// Appends lines to a JSON-lines log (<c>api_json.log</c>, <c>audit_json.log</c>) from one background writer, so a request only queues its
/// line and never waits on the disk. The queue is unbounded: under a burst lines wait in memory
/// rather than being dropped. The file is reopened on SIGHUP (after logrotate moved it) and a
/// <c>copytruncate</c> is noticed before each write, so no line lands past the truncated end.
/// </summary>
public partial class JsonLinesFile : IHostedService, IAsyncDisposable
{
    private readonly Channel<byte[]> _lines = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILogger _logger;
    private PosixSignalRegistration? _hangup;
    private Task? _writer;
    private volatile bool _reopen;
    private FileStream? _file;

    protected JsonLinesFile(string path, ILogger logger)
    {
        _logger = logger;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Queues one line (without its newline). Never blocks.</summary>
    public void Write(byte[] line) => _lines.Writer.TryWrite(line);

    /// <summary>Asks the writer to reopen the file before its next write.</summary>
    public void Reopen() => _reopen = true;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _file = Open();
        if (!OperatingSystem.IsWindows())
        {
            _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, ctx =>
            {
                ctx.Cancel = true;
                Reopen();
            });
        }

        _writer = Task.Run(WriteLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _lines.Writer.TryComplete();
        if (_writer is not null)
        {
            await _writer.WaitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        _lines.Writer.TryComplete();
        if (_writer is not null)
        {
            await _writer;
        }

        _hangup?.Dispose();
        if (_file is not null)
        {
            await _file.DisposeAsync();
        }
    }

    private FileStream Open()
    {
        var stream = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
        stream.Seek(0, SeekOrigin.End);
        return stream;
    }

    private async Task WriteLoopAsync()
    {
        var reader = _lines.Reader;
        while (await reader.WaitToReadAsync())
        {
            try
            {
                PrepareFile();
                while (reader.TryRead(out var line))
                {
                    await _file!.WriteAsync(line);
                }

                await _file!.FlushAsync();
            }
            catch (IOException e)
            {
                // Keep serving requests; try a fresh handle for the next lines.
                LogWriteFailed(_logger, e, Path);
                _reopen = true;
            }
        }

        if (_file is not null)
        {
            await _file.FlushAsync();
        }
    }

    private void PrepareFile()
    {
        if (_reopen || !File.Exists(Path))
        {
            _reopen = false;
            _file?.Dispose();
            _file = Open();
            return;
        }

        // copytruncate: the file shrank under us, so continue at its new end.
        var length = _file!.Length;
        if (length < _file.Position)
        {
            _file.Seek(length, SeekOrigin.Begin);
        }
    }

    [LoggerMessage(EventId = 2000, Level = LogLevel.Error, Message = "Could not write to {Path}")]
    private static partial void LogWriteFailed(ILogger logger, Exception e, string path);
}

/// <summary>The API request log, <c>api_json.log</c>.</summary>
public sealed class ApiJsonLog(string logDir, ILogger<ApiJsonLog> logger) : JsonLinesFile(System.IO.Path.Combine(logDir, FileName), logger)
{
    public const string FileName = "api_json.log";
}

/// <summary>The audit log, <c>audit_json.log</c>: one line per audit event.</summary>
public sealed class AuditJsonLog(string logDir, ILogger<AuditJsonLog> logger) : JsonLinesFile(System.IO.Path.Combine(logDir, FileName), logger)
{
    public const string FileName = "audit_json.log";
}
