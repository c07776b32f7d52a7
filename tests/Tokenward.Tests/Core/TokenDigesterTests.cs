using System.Security.Cryptography;
using System.Text;

namespace Tokenward.Tests.Core;

public class TokenDigesterTests
{
    private static readonly byte[] Secret = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    [Fact]
    public void Digest_is_hmac_sha256_of_the_token_in_hex()
    {
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Secret, Encoding.UTF8.GetBytes("glpat-abc")));
        Assert.Equal(expected, new TokenDigester(Secret).Digest("glpat-abc"));
    }

    [Fact]
    public void Another_secret_gives_another_digest()
    {
        var other = Secret.Select(b => (byte)(b + 1)).ToArray();
        Assert.NotEqual(new TokenDigester(Secret).Digest("glpat-abc"), new TokenDigester(other).Digest("glpat-abc"));
    }

    [Fact]
    public void Long_tokens_digest_too() =>
        Assert.Equal(64, new TokenDigester(Secret).Digest(new string('x', 5000)).Length);

    [Fact]
    public void Short_secrets_are_refused() =>
        Assert.Throws<ArgumentException>(() => new TokenDigester(new byte[16]));

    [Fact]
    public void Digest_comparison_is_exact()
    {
        var d = new TokenDigester(Secret);
        Assert.True(TokenDigester.DigestsEqual(d.Digest("a"), d.Digest("a")));
        Assert.False(TokenDigester.DigestsEqual(d.Digest("a"), d.Digest("b")));
    }
}
