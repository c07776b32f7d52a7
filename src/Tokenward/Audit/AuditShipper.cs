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
/// (<c>audit_json.log.lock</c>); the others leave it to that one. Rotating the file, by moving it
/// or by copytruncate, loses nothing: the record of how far it got stays.
/// </summary>
public sealed partial class AuditShipper(Hosting.TokenwardSettings settings, IServiceScopeFactory scopes, TimeProvider clock, ILogger<AuditShipper> logger) : IDisposable
{
    public const string FileName = "audit_json.log";

    /// <summary>How long a hole in the ids is waited for before it is taken for a rolled-back insert (PostgreSQL hands out ids before commit).</summary>
    public static readonly TimeSpan GapWait = TimeSpan.FromSeconds(30);

    private const int Batch = 1000;

    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly SemaphoreSlim _nudged = new(0, 1);
    private (long After, long Since)? _gap;

    public string Path => System.IO.Path.Combine(settings.LogDir, FileName);

    private string CheckpointPath => Path + ".shipped";

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

    /// <summary>
    /// Writes the lines of every committed event not yet in the file; with <paramref name="fromId"/>,
    /// of every event from that id on again (an operator's re-ship).
    /// </summary>
    /// <returns>How many lines were written, or null when another process is shipping.</returns>
    /// <exception cref="IOException">when the file cannot be written (a full disk): nothing is recorded as shipped, the next run retries.</exception>
    public async Task<int?> ShipAsync(CancellationToken ct, long? fromId = null)
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
            catch (IOException)
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
        var repaired = RepairTail();
        // A re-ship starts at the first event from that id on, hole or not.
        var last = fromId is { } from
            ? (await db.AuditEvents.Where(e => e.Id >= from).MinAsync(e => (long?)e.Id, ct) ?? from) - 1
            : Math.Max(ReadCheckpoint(), repaired);
        var shipped = 0;
        while (true)
        {
            var events = await db.AuditEvents.AsNoTracking().Where(e => e.Id > last).OrderBy(e => e.Id).Take(Batch).ToListAsync(ct);
            var ready = Contiguous(last, events);
            if (ready.Count == 0)
            {
                return shipped;
            }

            Append(ready);
            last = ready[^1].Id;
            WriteCheckpoint(last);
            shipped += ready.Count;
            if (ready.Count < events.Count || events.Count < Batch)
            {
                return shipped;
            }
        }
    }

    /// <summary>
    /// The events that follow <paramref name="last"/> without a hole. A hole is a transaction still
    /// under way or one that rolled back; it is waited for up to <see cref="GapWait"/>.
    /// </summary>
    private List<AuditEvent> Contiguous(long last, List<AuditEvent> events)
    {
        var ready = new List<AuditEvent>(events.Count);
        var expected = last + 1;
        foreach (var e in events)
        {
            if (e.Id != expected)
            {
                var now = clock.GetTimestamp();
                if (_gap is not { } gap || gap.After != expected - 1)
                {
                    _gap = (expected - 1, now);
                    break;
                }

                if (clock.GetElapsedTime(gap.Since, now) < GapWait)
                {
                    break;
                }

                LogGapSkipped(logger, expected, e.Id - 1);
                _gap = null;
            }

            ready.Add(e);
            expected = e.Id + 1;
        }

        return ready;
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
            TryTruncate(file, before);
            throw;
        }
    }

    private static void TryTruncate(FileStream file, long length)
    {
        try
        {
            file.SetLength(length);
        }
        catch (IOException)
        {
            // The next run cuts the partial line off (RepairTail).
        }
    }

    private long ReadCheckpoint()
    {
        try
        {
            return long.TryParse(File.ReadAllText(CheckpointPath).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : 0;
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
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

        // The last line is all that matters; audit lines run to a few kilobytes.
        var window = (int)Math.Min(length, 64 * 1024);
        var tail = new byte[window];
        file.Seek(length - window, SeekOrigin.Begin);
        file.ReadExactly(tail);
        var end = Array.LastIndexOf(tail, (byte)'\n');
        // Only what follows the last newline is cut: a whole file without one is left alone unless it is all there is.
        if (end < window - 1 && (end >= 0 || window == length))
        {
            var keep = length - window + end + 1;
            LogPartialLineCut(logger, length - keep, Path);
            file.SetLength(keep);
        }

        if (end <= 0)
        {
            return 0;
        }

        var start = Array.LastIndexOf(tail, (byte)'\n', end - 1) + 1;
        return IdOf(tail.AsSpan(start, end - start));
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

    [LoggerMessage(EventId = 2100, Level = LogLevel.Warning, Message = "Audit event ids {First} to {Last} never committed within the wait; shipping past them")]
    private static partial void LogGapSkipped(ILogger logger, long first, long last);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Cut {Bytes} bytes of a partly written line off the end of {Path}")]
    private static partial void LogPartialLineCut(ILogger logger, long bytes, string path);
}
