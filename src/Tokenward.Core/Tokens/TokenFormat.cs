using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;

namespace Tokenward.Core.Tokens;

/// <summary>
/// The shape of generated tokens: prefix, 32 random base62 characters (190 bits) and a
/// 6-character base62 CRC32 of everything before it. The checksum lets a typo or a guess be
/// turned away before any database work, as GitHub's and GitLab's newer tokens do.
/// </summary>
public sealed class TokenFormat
{
    public const string DefaultPrefix = "glpat-";
    public const int RandomLength = 32;
    public const int ChecksumLength = 6;

    /// <summary>Values set by an administrator (<c>set_token</c>) must be at least this long.</summary>
    public const int MinimumExplicitLength = 20;

    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public TokenFormat(string prefix = DefaultPrefix)
    {
        if (string.IsNullOrEmpty(prefix) || prefix.Length > 20 || prefix.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException("A token prefix is 1 to 20 characters without spaces.", nameof(prefix));
        }

        Prefix = prefix;
    }

    public string Prefix { get; }

    public int GeneratedLength => Prefix.Length + RandomLength + ChecksumLength;

    public string Generate()
    {
        var random = RandomNumberGenerator.GetString(Base62, RandomLength);
        var body = Prefix + random;
        return body + Checksum(body);
    }

    /// <summary>
    /// What a presented value looks like: a generated token whose checksum holds, one that claims
    /// the generated shape but fails its checksum (reject without a lookup), or anything else
    /// (possibly an explicitly set value, so it must be looked up).
    /// </summary>
    public TokenShape Classify(string value)
    {
        if (value.Length != GeneratedLength || !value.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return TokenShape.Other;
        }

        var rest = value.AsSpan(Prefix.Length);
        foreach (var c in rest)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return TokenShape.Other;
            }
        }

        var body = value[..^ChecksumLength];
        return value.AsSpan(value.Length - ChecksumLength).SequenceEqual(Checksum(body))
            ? TokenShape.Generated
            : TokenShape.BadChecksum;
    }

    /// <summary>Why an explicitly chosen value is unusable, or null when it is fine.</summary>
    public static string? ValidateExplicit(string value) =>
        value.Length < MinimumExplicitLength ? $"token is too short (minimum is {MinimumExplicitLength} characters)"
        : value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) ? "token must not contain spaces or control characters"
        : null;

    private static string Checksum(string body)
    {
        var crc = Crc32.HashToUInt32(Encoding.UTF8.GetBytes(body));
        Span<char> chars = stackalloc char[ChecksumLength];
        for (var i = ChecksumLength - 1; i >= 0; i--)
        {
            chars[i] = Base62[(int)(crc % 62)];
            crc /= 62;
        }

        return new string(chars);
    }
}
