using System.Buffers;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace Tokenward.ApiLog;

/// <summary>
/// Appends lines to a JSON-lines log (<c>api_json.log</c>) from one background writer, so a request
/// only queues its line and never waits on the disk. The queue is unbounded: under a burst lines
/// wait in memory rather than being dropped. The file is opened for appending, and each batch of
/// whole lines goes out in one write: a write a full disk cuts short is taken back, so no line is
/// ever half there. Lines that cannot be written are counted and reported once a minute, and
/// writing resumes by itself when space returns. The file is reopened on SIGHUP (after logrotate
/// moved it); a <c>copytruncate</c> needs nothing, appends land at the new end.
/// </summary>
public partial class JsonLinesFile : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan ReportEvery = TimeSpan.FromMinutes(1);

    private readonly Channel<byte[]> _lines = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private PosixSignalRegistration? _hangup;
    private Task? _writer;
    private volatile bool _reopen;
    private FileStream? _file;
    private long _lost;
    private long _written;
    private long _queued;
    private long _lostSinceReport;
    private long? _lastReport;

    protected JsonLinesFile(string path, TimeProvider clock, ILogger logger)
    {
        _clock = clock;
        _logger = logger;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Lines that could not be written since the start (a full disk, an unwritable folder).</summary>
    public long LostLines => Interlocked.Read(ref _lost);

    /// <summary>Lines written since the start.</summary>
    public long WrittenLines => Interlocked.Read(ref _written);

    /// <summary>Lines waiting for the writer now.</summary>
    public long QueuedLines => Interlocked.Read(ref _queued);

    /// <summary>Whether the last write failed (lines are being lost now); false again once one succeeds.</summary>
    public bool Failing => Interlocked.Read(ref _lostSinceReport) > 0;

    /// <summary>Queues one line, with its newline. Never blocks.</summary>
    public void Write(byte[] line)
    {
        // Counted here: a single reader's unbounded channel cannot count its items.
        if (_lines.Writer.TryWrite(line))
        {
            Interlocked.Increment(ref _queued);
        }
    }

    /// <summary>Asks the writer to reopen the file before its next write.</summary>
    public void Reopen() => _reopen = true;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
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

    private FileStream Open() => AppendOnlyFile.Open(Path);

    private async Task WriteLoopAsync()
    {
        var reader = _lines.Reader;
        var batch = new ArrayBufferWriter<byte>(64 * 1024);
        while (await reader.WaitToReadAsync())
        {
            batch.ResetWrittenCount();
            var count = 0;
            while (batch.WrittenCount < 1 << 20 && reader.TryRead(out var line))
            {
                batch.Write(line);
                count++;
            }

            Interlocked.Add(ref _queued, -count);

            try
            {
                WriteWhole(batch.WrittenMemory);
                Interlocked.Add(ref _written, count);
                if (_lostSinceReport > 0)
                {
                    _logger.LogLinesResumed(Path, _lostSinceReport);
                    Interlocked.Exchange(ref _lostSinceReport, 0);
                    _lastReport = null;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The API keeps serving; these lines are gone, and said so.
                Interlocked.Add(ref _lost, count);
                Interlocked.Add(ref _lostSinceReport, count);
                _reopen = true;
                var now = _clock.GetTimestamp();
                if (_lastReport is not { } last || _clock.GetElapsedTime(last, now) >= ReportEvery)
                {
                    _lastReport = now;
                    _logger.LogLinesLost(_lostSinceReport, Path, e.Message);
                }
            }
        }
    }

    /// <summary>Writes the batch in one write; if it is cut short, takes back what did get written.</summary>
    private void WriteWhole(ReadOnlyMemory<byte> batch)
    {
        if (_reopen || _file is null || !File.Exists(Path))
        {
            _reopen = false;
            _file?.Dispose();
            _file = null;
            _file = Open();
        }

        var before = _file.Length;
        try
        {
            _file.Write(batch.Span);
        }
        catch (IOException)
        {
            AppendOnlyFile.TakeBack(_file, before);
            throw;
        }
    }
}

/// <summary>The API request log, <c>api_json.log</c>.</summary>
public sealed class ApiJsonLog(string logDir, TimeProvider clock, ILogger<ApiJsonLog> logger) : JsonLinesFile(System.IO.Path.Combine(logDir, FileName), clock, logger)
{
    public const string FileName = "api_json.log";
}
