namespace Tokenward.LogAnalysis;

/// <summary>A read-only stream that reads its first bytes ahead, so they can be inspected (gzip magic, binary content) even on a pipe, and then replays them.</summary>
public sealed class PrefixStream : Stream
{
    private readonly Stream _inner;
    private readonly byte[] _prefix;
    private readonly int _prefixLength;
    private int _served;

    public PrefixStream(Stream inner, int size)
    {
        _inner = inner;
        _prefix = new byte[size];
        while (_prefixLength < size && inner.Read(_prefix, _prefixLength, size - _prefixLength) is var n and > 0)
        {
            _prefixLength += n;
        }
    }

    public ReadOnlySpan<byte> Prefix => _prefix.AsSpan(0, _prefixLength);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_served < _prefixLength)
        {
            var n = Math.Min(buffer.Length, _prefixLength - _served);
            _prefix.AsSpan(_served, n).CopyTo(buffer);
            _served += n;
            return n;
        }

        return _inner.Read(buffer);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
