using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tokenward.Storage;

namespace Tokenward.Audit;

/// <summary>
/// Ships committed audit events from <c>audit_events</c> to <c>audit_json.log</c> in id order,
/// each once across every node: one node at a time ships (the engine's lock, and a lease in
/// <c>audit_shipping</c> that keeps the stream in one node's file while that node lives), and the
/// database records how far the stream has got. Lines are appended whole and synced between two
/// records: the batch about to be written, then the batch written. After a crash between the two,
/// the same node's file says how far it really got (a partly written last line is cut off); a
/// node taking over from a crashed one cannot read that file, so it writes the batch again and
/// says so (an audit log loses nothing; the lines carry their ids). Events commit in id order
/// (<see cref="AuditLog.InTransactionAsync{T}"/>), so everything visible past the record is
/// complete, and a hole in the ids is a rolled-back insert. Moving the file away to rotate it
/// loses nothing: the record stays, and the next line starts a new file.
/// </summary>
public sealed class AuditShipper(Hosting.TokenwardSettings settings, IServiceScopeFactory scopes, TimeProvider clock, ILogger<AuditShipper> logger) : IDisposable
{
    public const string FileName = "audit_json.log";

    /// <summary>How long a shipper keeps the stream without renewing: several shipping intervals, so a busy or slow run does not hand it over.</summary>
    public static readonly TimeSpan Lease = AuditShippingService.Interval * 5;

    private const int Batch = 1000;

    /// <summary>The engine lock's key, in its own range beside the migrator's, the audit order's and the senders'.</summary>
    private const long ShipLock = 0x546f6b6e6f7400L + 3;

    /// <summary>EWOULDBLOCK: the lock file is held by another process.</summary>
    private const int Held = 11;

    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly SemaphoreSlim _nudged = new(0, 1);

    public string Path => System.IO.Path.Combine(settings.LogDir, FileName);

    /// <summary>This node, as <c>audit_shipping</c> names it: the host and the log folder, so a CLI run in a server's folder is that server.</summary>
    public string Node { get; } = $"{Environment.MachineName}:{System.IO.Path.GetFullPath(settings.LogDir)}";

    /// <summary>Whether the last shipping run failed (set by <see cref="AuditShippingService"/>); the readiness probe reports it.</summary>
    public bool Failing { get => Volatile.Read(ref _failing); set => Volatile.Write(ref _failing, value); }

    private bool _failing;

    /// <summary>The last event id this folder's file got; its presence marks an audit log folder in use, which CLI processes ship to as well.</summary>
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

    /// <summary>Writes the lines of every committed event not yet in any node's file.</summary>
    /// <returns>How many lines were written, or null when another process or node is shipping.</returns>
    public Task<int?> ShipAsync(CancellationToken ct) => ShipAsync(null, ct);

    /// <summary>
    /// Writes the lines of every committed event not yet in any node's file; with
    /// <paramref name="fromId"/>, also those from that id on again into this folder's file (an
    /// operator's re-ship), even while another node holds the lease.
    /// </summary>
    /// <returns>How many lines were written, or null when another process or node is shipping.</returns>
    /// <exception cref="IOException">when the file cannot be written (a full disk): nothing is recorded as shipped, the next run retries.</exception>
    public async Task<int?> ShipAsync(long? fromId, CancellationToken ct)
    {
        await _oneAtATime.WaitAsync(ct);
        try
        {
            // A node that is not the shipper leaves after one read, without taking a lock.
            if (fromId is null && await CurrentAsync(ct) is { } state && LeasedElsewhere(state))
            {
                return null;
            }

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
                await using var shipping = await settings.Database.Storage.TryLockAsync(settings.Database, settings.DataDir, "audit-ship", ShipLock, ct);
                return shipping is null ? null : await ShipLockedAsync(fromId, ct);
            }
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>The shared record, or null before any node has shipped.</summary>
    public async Task<AuditShipping?> CurrentAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TokenwardDb>().AuditShipping.SingleOrDefaultAsync(s => s.Id == 1, ct);
    }

    private bool LeasedElsewhere(AuditShipping state) => state.Shipper != Node && state.LeaseUntil > clock.GetUtcNow().UtcDateTime;

    private async Task<int?> ShipLockedAsync(long? fromId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
        var tail = RepairTail();
        var state = await db.AuditShipping.SingleOrDefaultAsync(s => s.Id == 1, ct);
        long last;
        if (state is null)
        {
            // The first run, or the first since the record lived in the folder only.
            last = Math.Max(ReadCheckpoint(), tail);
            state = new AuditShipping { Id = 1, ShippedThrough = last, Writer = Node, Shipper = Node, LeaseUntil = LeaseEnd() };
            db.AuditShipping.Add(state);
            await db.SaveChangesAsync(ct);
        }
        else
        {
            if (fromId is null && LeasedElsewhere(state))
            {
                return null;
            }

            last = state.ShippedThrough;
            if (state.WritingThrough is { } writing && writing > last)
            {
                if (state.Writer == Node)
                {
                    // Our own file says how far the batch cut short really got.
                    last = Math.Max(last, Math.Min(tail, writing));
                    state.ShippedThrough = last;
                    await RecordAsync(db, writingThrough: null, last, leading: state.Shipper == Node, ct);
                }
                else
                {
                    logger.AuditBatchMayRepeat(last + 1, writing, state.Writer);
                }
            }
        }

        // An operator's re-ship does not take the stream from a live shipper.
        var leading = fromId is null || !LeasedElsewhere(state);
        if (leading && state.Shipper != Node)
        {
            logger.AuditShippingTakenOver(Node, state.Shipper);
        }

        var shippedThrough = state.ShippedThrough;
        if (fromId is { } from)
        {
            // Again from there; what was never written (past the record) is written in any case.
            last = Math.Min(last, from - 1);
        }

        var shipped = 0;
        while (true)
        {
            var events = await db.AuditEvents.AsNoTracking().Where(e => e.Id > last).OrderBy(e => e.Id).Take(Batch).ToListAsync(ct);
            if (events.Count == 0)
            {
                if (leading)
                {
                    var until = LeaseEnd();
                    await db.AuditShipping.Where(s => s.Id == 1).ExecuteUpdateAsync(u => u.SetProperty(s => s.Shipper, Node).SetProperty(s => s.LeaseUntil, until), ct);
                }

                if (!File.Exists(CheckpointPath))
                {
                    // The folder is now an audit log in use, which CLI processes ship to as well.
                    WriteCheckpoint(last);
                }

                return shipped;
            }

            var through = events[^1].Id;
            var advances = through > shippedThrough;
            if (advances)
            {
                // Not a renewal: a node that cannot write (a full disk) must not keep the stream.
                await RecordAsync(db, writingThrough: through, shippedThrough, leading: false, ct);
            }

            try
            {
                Append(events);
            }
            catch (IOException) when (leading)
            {
                // Let another node, whose disk may have room, take the stream at once.
                await ReleaseAsync(db, CancellationToken.None);
                throw;
            }

            if (advances)
            {
                shippedThrough = through;
                await RecordAsync(db, writingThrough: null, shippedThrough, leading, ct);
            }

            last = through;
            WriteCheckpoint(last);
            shipped += events.Count;
            Hosting.Metrics.TokenwardMetrics.AuditLinesWritten(events.Count);
        }
    }

    private async Task RecordAsync(TokenwardDb db, long? writingThrough, long shippedThrough, bool leading, CancellationToken ct)
    {
        var until = LeaseEnd();
        var node = Node;
        await db.AuditShipping.Where(s => s.Id == 1).ExecuteUpdateAsync(
            u =>
            {
                u.SetProperty(s => s.ShippedThrough, shippedThrough).SetProperty(s => s.WritingThrough, writingThrough).SetProperty(s => s.Writer, node);
                if (leading)
                {
                    u.SetProperty(s => s.Shipper, node).SetProperty(s => s.LeaseUntil, until);
                }
            },
            ct);
    }

    private DateTime LeaseEnd() => clock.GetUtcNow().UtcDateTime + Lease;

    /// <summary>Ends this node's lease, so another node ships without waiting it out (a stop, a full disk).</summary>
    public async Task ReleaseAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        await ReleaseAsync(scope.ServiceProvider.GetRequiredService<TokenwardDb>(), ct);
    }

    private Task<int> ReleaseAsync(TokenwardDb db, CancellationToken ct)
    {
        var node = Node;
        var now = clock.GetUtcNow().UtcDateTime;
        return db.AuditShipping.Where(s => s.Id == 1 && s.Shipper == node).ExecuteUpdateAsync(u => u.SetProperty(s => s.LeaseUntil, now), ct);
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
