using System.Buffers;

namespace Tokenward.LogAnalysis;

/// <summary>
/// <c>--follow</c>: after the scan, keeps reading what is appended to the live log, through
/// rotation: when the file at the path is shorter than what was read (copytruncate, or a new file
/// after a rename), reading starts again from its beginning.
/// </summary>
public sealed class LogFollower(string path, LineScanner scanner, TimeProvider clock)
{
    public async Task FollowAsync(long from, CancellationToken ct)
    {
        var position = from;
        var carry = Array.Empty<byte>();
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                long length;
                try
                {
                    length = new FileInfo(path).Length;
                }
                catch (IOException)
                {
                    length = -1;
                }

                if (length >= 0 && length < position)
                {
                    position = 0;
                    carry = [];
                }

                if (length > position)
                {
                    using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                    int n;
                    while ((n = RandomAccess.Read(handle, buffer, position)) > 0)
                    {
                        position += n;
                        var data = carry.Length == 0 ? buffer.AsSpan(0, n) : (byte[])[.. carry, .. buffer.AsSpan(0, n)];
                        var end = data.LastIndexOf((byte)'\n') + 1;
                        scanner.Scan(data[..end]);
                        carry = data[end..].ToArray();
                    }
                }

                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(250), clock, ct);
                }
                catch (OperationCanceledException)
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
}
