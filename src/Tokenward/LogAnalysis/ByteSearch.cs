using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Tokenward.LogAnalysis;

/// <summary>
/// The two searches the log scan spends its time in, vectorised here rather than through
/// <see cref="MemoryExtensions.IndexOf{T}(ReadOnlySpan{T}, T)"/>: a short-lived CLI process runs
/// the framework's precompiled (128-bit) span helpers for most of its life before they are
/// recompiled for the machine, while methods marked for aggressive optimisation are compiled for
/// it (AVX2) on their first call.
/// </summary>
public static class ByteSearch
{
    /// <summary>The index of the first <paramref name="value"/> byte, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int IndexOf(ReadOnlySpan<byte> span, byte value)
    {
        ref var start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(span);
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var target = Vector256.Create(value);
            for (; i <= span.Length - Vector256<byte>.Count; i += Vector256<byte>.Count)
            {
                var mask = Vector256.Equals(Vector256.LoadUnsafe(ref start, (nuint)i), target).ExtractMostSignificantBits();
                if (mask != 0)
                {
                    return i + BitOperations.TrailingZeroCount(mask);
                }
            }
        }

        for (; i < span.Length; i++)
        {
            if (Unsafe.Add(ref start, i) == value)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// The index of the first occurrence of <paramref name="key"/> (at least 3 bytes), or -1:
    /// blocks are filtered on three of the key's bytes at once (its first, its last and the one at
    /// <paramref name="probe"/>, best a byte rare at that distance), then candidates compared. JSON
    /// keys all start with a quote and snake_case is full of underscores, so two bytes are not enough.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int IndexOf(ReadOnlySpan<byte> span, ReadOnlySpan<byte> key, int probe)
    {
        var last = key.Length - 1;
        var limit = span.Length - key.Length;
        ref var start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(span);
        var i = 0;
        if (Vector256.IsHardwareAccelerated && last > 0)
        {
            var first = Vector256.Create(key[0]);
            var middle = Vector256.Create(key[probe]);
            var tail = Vector256.Create(key[last]);
            for (; i <= limit - Vector256<byte>.Count + 1; i += Vector256<byte>.Count)
            {
                var mask = (Vector256.Equals(Vector256.LoadUnsafe(ref start, (nuint)i), first)
                    & Vector256.Equals(Vector256.LoadUnsafe(ref start, (nuint)(i + probe)), middle)
                    & Vector256.Equals(Vector256.LoadUnsafe(ref start, (nuint)(i + last)), tail)).ExtractMostSignificantBits();
                while (mask != 0)
                {
                    var at = i + BitOperations.TrailingZeroCount(mask);
                    if (Matches(span, at, key))
                    {
                        return at;
                    }

                    mask &= mask - 1;
                }
            }
        }

        for (; i <= limit; i++)
        {
            if (Unsafe.Add(ref start, i) == key[0] && Matches(span, i, key))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool Matches(ReadOnlySpan<byte> span, int at, ReadOnlySpan<byte> key)
    {
        for (var k = 1; k < key.Length; k++)
        {
            if (span[at + k] != key[k])
            {
                return false;
            }
        }

        return true;
    }
}
