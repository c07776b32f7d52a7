using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tokenward.Storage;

namespace Tokenward.Audit;

/// <summary>
/// Ships committed audit events from <c>audit_events</c> to <c>audit_json.log</c> in id order,
/// each exactly once: lines are appended whole and synced, then how far it got is recorded
/// (<c>audit_json.log.shipped</c>). After a crash between the two, the file's last line says how
/// far it really got; a partly written last line is cut off. One process ships at a time
/// (<c>audit_json.log.lock</c>); the others leave it to that one. Events commit in id order
/// (<see cref="AuditLog.InTransactionAsync{T}"/>), so everything visible past the checkpoint is
/// complete, and a hole in the ids is a rolled-back insert. Moving the file away to rotate it
/// loses nothing: the record of how far it got stays, and the next line starts a new file.
/// </summary>
public sealed class AuditShipper(Hosting.TokenwardSettings settings, IServiceScopeFactory scopes, ILogger<AuditShipper> logger) : IDisposable
{
    public const string FileName = "audit_json.log";

    private const int Batch = 1000;

    /// <summary>EWOULDBLOCK: the lock file is held by another process.</summary>
    private const int Held = 11;

    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly SemaphoreSlim _nudged = new(0, 1);

    public string Path => System.IO.Path.Combine(settings.LogDir, FileName);

    /// <summary>Whether the last shipping run failed (set by <see cref="AuditShippingService"/>); the readiness probe reports it.</summary>
    public bool Failing { get => Volatile.Read(ref _failing); set => Volatile.Write(ref _failing, value); }

    private bool _failing;

    /// <summary>Where how far the file has got is recorded; its presence marks an audit log folder in use.</summary>
    public string CheckpointPath => Path + ".shipped";

    private string LockPath => Path + ".lock";

    public void Dispose()
    {
        _oneAtATime.Dispose();
        _nudged.Dispose();
    }

    /// <summary>Asks the shipping loop (<see cref="AuditShippingService"/>) to ship now.</summary>
    public void Nudge()
    {
        if (_nudged.CurrentCount == 0)
        {
            try
            {
                _nudged.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already nudged.
            }
        }
    }

    /// <summary>Waits for a nudge or the interval, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan interval, CancellationToken ct) => _nudged.WaitAsync(interval, ct);

    /// <summary>Writes the lines of every committed event not yet in the file.</summary>
    /// <returns>How many lines were written, or null when another process is shipping.</returns>
    public Task<int?> ShipAsync(CancellationToken ct) => ShipAsync(null, ct);

    /// <summary>
    /// Writes the lines of every committed event not yet in the file; with <paramref name="fromId"/>,
    /// also those from that id on again (an operator's re-ship).
    /// </summary>
    /// <returns>How many lines were written, or null when another process is shipping.</returns>
    /// <exception cref="IOException">when the file cannot be written (a full disk): nothing is recorded as shipped, the next run retries.</exception>
    public async Task<int?> ShipAsync(long? fromId, CancellationToken ct)
    {
        await _oneAtATime.WaitAsync(ct);
        try
        {
            Directory.CreateDirectory(settings.LogDir);
            FileStream lockFile;
            try
            {
                lockFile = new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e) when ((e.HResult & 0xFFFF) == Held)
            {
                return null;
            }

            await using (lockFile)
            {
                return await ShipLockedAsync(fromId, ct);
            }
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private async Task<int> ShipLockedAsync(long? fromId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
        var last = Math.Max(ReadCheckpoint(), RepairTail());
        if (fromId is { } from)
        {
            // Again from there; what was never written (past the checkpoint) is written in any case.
            last = Math.Min(last, from - 1);
        }

        var shipped = 0;
        while (true)
        {
            var events = await db.AuditEvents.AsNoTracking().Where(e => e.Id > last).OrderBy(e => e.Id).Take(Batch).ToListAsync(ct);
            if (events.Count == 0)
            {
                if (!File.Exists(CheckpointPath))
                {
                    // The folder is now an audit log in use, which CLI processes ship to as well.
                    WriteCheckpoint(last);
                }

                return shipped;
            }

            Append(events);
            last = events[^1].Id;
            WriteCheckpoint(last);
            shipped += events.Count;
            Hosting.Metrics.TokenwardMetrics.AuditLinesWritten(events.Count);
        }
    }

    /// <summary>Appends the lines in one write and syncs them; a write cut short by a full disk is taken back.</summary>
    private void Append(List<AuditEvent> events)
    {
        var buffer = new ArrayBufferWriter<byte>(events.Count * 400);
        foreach (var e in events)
        {
            buffer.Write(AuditJsonLine.Of(e));
        }

        using var file = ApiLog.AppendOnlyFile.Open(Path);
        var before = file.Length;
        try
        {
            file.Write(buffer.WrittenSpan);
            file.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            ApiLog.AppendOnlyFile.TakeBack(file, before);
            throw;
        }
    }

    /// <exception cref="IOException">when the record exists but cannot be read as an id: shipping from 0 would write everything again.</exception>
    private long ReadCheckpoint()
    {
        string text;
        try
        {
            text = File.ReadAllText(CheckpointPath).Trim();
        }
        catch (FileNotFoundException)
        {
            return 0;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new IOException($"{CheckpointPath} does not hold an event id ('{text}'); fix or remove it, then `tokenward audit ship --from-id N`");
    }

    private void WriteCheckpoint(long id)
    {
        var temp = CheckpointPath + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(Encoding.ASCII.GetBytes(id.ToString(CultureInfo.InvariantCulture) + "\n"));
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, CheckpointPath, overwrite: true);
    }

    /// <summary>
    /// Cuts off a partly written last line (a crash or a full disk mid-write) and returns the id of
    /// the last whole line, 0 when there is none.
    /// </summary>
    private long RepairTail()
    {
        if (!File.Exists(Path))
        {
            return 0;
        }

        using var file = new FileStream(Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        var length = file.Length;
        if (length == 0)
        {
            return 0;
        }

        // The last line is all that matters: read back from the end until a line is whole.
        var window = (int)Math.Min(length, 64 * 1024);
        byte[] tail;
        int end;
        while (true)
        {
            tail = new byte[window];
            file.Seek(length - window, SeekOrigin.Begin);
            file.ReadExactly(tail);
            end = Array.LastIndexOf(tail, (byte)'\n');
            var start = end < 0 ? -1 : Array.LastIndexOf(tail, (byte)'\n', Math.Max(end - 1, 0));
            if ((end >= 0 && (start >= 0 || end == 0)) || window == length || window >= 64 << 20)
            {
                break;
            }

            window = (int)Math.Min(length, (long)window * 4);
        }

        if (end < window - 1 && (end >= 0 || window == length))
        {
            var keep = length - window + end + 1;
            logger.AuditPartialLineCut(length - keep, Path);
            file.SetLength(keep);
        }

        if (end <= 0)
        {
            return 0;
        }

        var lineStart = Array.LastIndexOf(tail, (byte)'\n', end - 1) + 1;
        if (lineStart == 0 && window < length)
        {
            return 0;
        }

        return IdOf(tail.AsSpan(lineStart, end - lineStart));
    }

    private static long IdOf(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    return reader.TryGetInt64(out var id) ? id : 0;
                }
            }
        }
        catch (JsonException)
        {
        }

        return 0;
    }
}
