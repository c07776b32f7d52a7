using System.Buffers;

namespace Tokenward.LogAnalysis;

/// <summary>
/// One pass over the inputs. A plain file is cut into segments at line boundaries and the
/// segments are scanned in parallel, each with its own buffer and counts; gzip and standard
/// input are read front to back. Memory: one 1 MB buffer per worker plus the counts.
/// </summary>
public sealed class LogScan(LogFilter filter, int workers)
{
    private const int BufferSize = 1 << 20;

    /// <summary>Files smaller than this are one segment.</summary>
    private const long MinSegment = 8 << 20;

    private long _bytesRead;

    /// <summary>Input bytes scanned so far (for a progress bar).</summary>
    public long BytesRead => Interlocked.Read(ref _bytesRead);

    /// <summary>Where a malformed line is: the input's name and the line number in it.</summary>
    public List<(string Input, long Line)> MalformedLines { get; } = [];

    /// <exception cref="LogInputException">when an input is binary or not JSON lines.</exception>
    public AuthFailureStats Run(IReadOnlyList<LogInput> inputs, CancellationToken ct)
    {
        var total = new AuthFailureStats();
        for (var i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            if (input.IsSplittable() && new FileInfo(input.Path!).Length > MinSegment && workers > 1)
            {
                ScanSplit(i, input, total, ct);
            }
            else
            {
                using var stream = input.Open();
                var stats = new AuthFailureStats();
                var scanner = new LineScanner(filter, stats, 0);
                ScanStream(stream, scanner, ct);
                total.Merge(stats);
                Place(input, [stats], [0]);
            }
        }

        return total;
    }

    private void ScanSplit(int index, LogInput input, AuthFailureStats total, CancellationToken ct)
    {
        // Checks the start of the file, as Open does for streams.
        using (input.Open())
        {
        }

        using var handle = File.OpenHandle(input.Path!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
        var length = RandomAccess.GetLength(handle);
        var count = (int)Math.Clamp(length / MinSegment, 1, workers * 4);
        var starts = new long[count + 1];
        starts[count] = length;
        for (var s = 1; s < count; s++)
        {
            starts[s] = NextLineStart(handle, length * s / count, length);
        }

        var results = new AuthFailureStats[count];
        var lines = new long[count];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = ct }, s =>
        {
            var stats = new AuthFailureStats();
            var scanner = new LineScanner(filter, stats, s);
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                var position = starts[s];
                var carry = 0;
                while (position < starts[s + 1])
                {
                    ct.ThrowIfCancellationRequested();
                    if (carry == buffer.Length)
                    {
                        buffer = Grow(buffer, carry);
                    }

                    var want = (int)Math.Min(buffer.Length - carry, starts[s + 1] - position);
                    var n = RandomAccess.Read(handle, buffer.AsSpan(carry, want), position);
                    if (n == 0)
                    {
                        break;
                    }

                    position += n;
                    carry = ScanComplete(buffer, carry + n, scanner, last: position >= starts[s + 1]);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            results[s] = stats;
            lines[s] = scanner.LineNumber;
        });

        foreach (var stats in results)
        {
            total.Merge(stats);
        }

        Place(input, results, lines);
    }

    private void ScanStream(Stream stream, LineScanner scanner, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var carry = 0;
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                if (carry == buffer.Length)
                {
                    buffer = Grow(buffer, carry);
                }

                var n = stream.Read(buffer, carry, buffer.Length - carry);
                carry = ScanComplete(buffer, carry + n, scanner, last: n == 0);
                if (n == 0)
                {
                    return;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A line longer than the buffer: a bigger one, with the line's start.</summary>
    private static byte[] Grow(byte[] buffer, int carry)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
        buffer.AsSpan(0, carry).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    /// <summary>Scans the complete lines in the buffer's first <paramref name="filled"/> bytes and moves the rest to the front.</summary>
    /// <returns>How many bytes were carried over.</returns>
    private int ScanComplete(byte[] buffer, int filled, LineScanner scanner, bool last)
    {
        var data = buffer.AsSpan(0, filled);
        var end = last ? filled : data.LastIndexOf((byte)'\n') + 1;
        if (end > 0)
        {
            scanner.Scan(data[..end]);
            Interlocked.Add(ref _bytesRead, end);
        }

        data[end..].CopyTo(buffer);
        return filled - end;
    }

    /// <summary>The offset just after the first newline at or after <paramref name="from"/>.</summary>
    private static long NextLineStart(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long from, long length)
    {
        Span<byte> probe = stackalloc byte[64 * 1024];
        while (from < length)
        {
            var n = RandomAccess.Read(handle, probe, from);
            var at = probe[..n].IndexOf((byte)'\n');
            if (at >= 0)
            {
                return from + at + 1;
            }

            from += n;
        }

        return length;
    }

    /// <summary>Turns segment-relative line numbers of malformed lines into the input's own.</summary>
    private void Place(LogInput input, AuthFailureStats[] segments, long[] segmentLines)
    {
        var offsets = new long[segmentLines.Length];
        for (var s = 1; s < segmentLines.Length; s++)
        {
            offsets[s] = offsets[s - 1] + segmentLines[s - 1];
        }

        foreach (var (segment, line) in segments.SelectMany(s => s.MalformedAt))
        {
            if (MalformedLines.Count < AuthFailureStats.MaxMalformedListed)
            {
                MalformedLines.Add((input.Name, offsets[segment] + line));
            }
        }
    }
}
