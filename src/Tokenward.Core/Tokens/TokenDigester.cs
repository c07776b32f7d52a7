using System.Security.Cryptography;
using System.Text;

namespace Tokenward.Core.Tokens;

/// <summary>
/// Keyed digest of token values (HMAC-SHA256 with the instance secret). Only digests are stored,
/// so a database leak alone reveals no usable token and cannot be brute-forced offline.
/// </summary>
public sealed class TokenDigester : IDisposable
{
    public const int MinimumSecretBytes = 32;

    private readonly byte[] _secret;

    /// <summary>
    /// One keyed HMAC per thread, reset after each use: a one-shot <c>HMACSHA256.HashData</c> sets
    /// the key up again every time, which was most of an authentication's cryptography (measured
    /// with perf behind <c>/-/auth</c>). Never shared: an <see cref="IncrementalHash"/> is not thread-safe.
    /// </summary>
    private readonly ThreadLocal<IncrementalHash> _hmac;

    public TokenDigester(byte[] secret)
    {
        if (secret.Length < MinimumSecretBytes)
        {
            throw new ArgumentException($"The token digest secret must be at least {MinimumSecretBytes} bytes.", nameof(secret));
        }

        _secret = (byte[])secret.Clone();
        _hmac = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _secret));
    }

    /// <summary>Lower-case hex of HMAC-SHA256(secret, UTF-8 of the token).</summary>
    public string Digest(string token)
    {
        var maxBytes = Encoding.UTF8.GetMaxByteCount(token.Length);
        var buffer = maxBytes <= 512 ? stackalloc byte[maxBytes] : new byte[maxBytes];
        var written = Encoding.UTF8.GetBytes(token, buffer);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var hmac = _hmac.Value!;
        hmac.AppendData(buffer[..written]);
        hmac.GetHashAndReset(mac);
        return Convert.ToHexStringLower(mac);
    }

    /// <summary>Lets go of the per-thread slot; each thread's HMAC (a native context) is finalised with its thread.</summary>
    public void Dispose() => _hmac.Dispose();

    /// <summary>Compares two digests without leaking, through timing, where they differ.</summary>
    public static bool DigestsEqual(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));
}
