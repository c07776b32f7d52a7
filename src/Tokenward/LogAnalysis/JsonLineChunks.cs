using System.Buffers;

namespace Tokenward.LogAnalysis;

/// <summary>Whole lines of an input, a large buffer at a time.</summary>
public delegate void LineChunkHandler(ReadOnlySpan<byte> lines);

/// <summary>
/// Reads inputs in large buffers and hands on whole lines only: the part after the last newline
/// waits for the next read. A short read (a pipe, gzip) keeps what it has; only a full buffer
/// without a newline is a line longer than any request line, and is skipped.
/// </summary>
public static class JsonLineChunks
{
    private const int BufferSize = 1 << 20;

    public static void Read(IReadOnlyList<LogInput> inputs, LineChunkHandler lines, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            foreach (var input in inputs)
            {
                using var stream = input.Open();
                var carry = 0;
                while (true)
                {
                    ct.ThrowIfCancellationRequested();
                    var read = stream.Read(buffer, carry, buffer.Length - carry);
                    var filled = carry + read;
                    if (read == 0)
                    {
                        lines(buffer.AsSpan(0, filled));
                        break;
                    }

                    var lastNewline = buffer.AsSpan(0, filled).LastIndexOf((byte)'\n');
                    if (lastNewline < 0)
                    {
                        carry = filled == buffer.Length ? 0 : filled;
                        continue;
                    }

                    lines(buffer.AsSpan(0, lastNewline + 1));
                    carry = filled - lastNewline - 1;
                    buffer.AsSpan(lastNewline + 1, carry).CopyTo(buffer);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
