
namespace Tokenward.Tests.Core;

public class TokenFormatTests
{
    private readonly TokenFormat _format = new();

    [Fact]
    public void Generated_tokens_have_the_prefix_length_and_a_valid_checksum()
    {
        var token = _format.Generate();
        Assert.StartsWith("glpat-", token, StringComparison.Ordinal);
        Assert.Equal(6 + 32 + 6, token.Length);
        Assert.All(token[6..], c => Assert.True(char.IsAsciiLetterOrDigit(c)));
        Assert.Equal(TokenShape.Generated, _format.Classify(token));
    }

    [Fact]
    public void Generated_tokens_carry_at_least_160_bits_of_randomness()
    {
        Assert.True(TokenFormat.RandomLength * Math.Log2(62) >= 160);
        var tokens = Enumerable.Range(0, 2000).Select(_ => _format.Generate()).ToHashSet();
        Assert.Equal(2000, tokens.Count);
    }

    [Fact]
    public void A_changed_character_fails_the_checksum()
    {
        var token = _format.Generate();
        var i = 10;
        var changed = token[..i] + (token[i] == 'a' ? 'b' : 'a') + token[(i + 1)..];
        Assert.Equal(TokenShape.BadChecksum, _format.Classify(changed));
    }

    [Fact]
    public void A_changed_checksum_fails()
    {
        var token = _format.Generate();
        var changed = token[..^1] + (token[^1] == '0' ? '1' : '0');
        Assert.Equal(TokenShape.BadChecksum, _format.Classify(changed));
    }

    [Theory]
    [InlineData("root-token-for-tests-0123456789")]
    [InlineData("glpat-short")]
    [InlineData("glpat-0123456789012345678901234567890123456789012")]
    [InlineData("ghp_0123456789abcdefghijklmnopqrstuvwxyzAB")]
    public void Values_not_in_the_generated_shape_are_other(string value) =>
        Assert.Equal(TokenShape.Other, _format.Classify(value));

    [Fact]
    public void The_prefix_is_configurable_and_part_of_the_checksum()
    {
        var custom = new TokenFormat("acme-");
        var token = custom.Generate();
        Assert.StartsWith("acme-", token, StringComparison.Ordinal);
        Assert.Equal(TokenShape.Generated, custom.Classify(token));
        Assert.Equal(TokenShape.Other, _format.Classify(token));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("this-prefix-is-far-too-long-")]
    public void Bad_prefixes_are_refused(string prefix) =>
        Assert.Throws<ArgumentException>(() => new TokenFormat(prefix));

    [Theory]
    [InlineData("short-value", "too short")]
    [InlineData("twenty chars and a space", "spaces")]
    public void Explicit_values_must_be_long_enough_and_plain(string value, string problem) =>
        Assert.Contains(problem, TokenFormat.ValidateExplicit(value), StringComparison.Ordinal);

    [Fact]
    public void An_explicit_value_of_twenty_characters_is_fine() =>
        Assert.Null(TokenFormat.ValidateExplicit(new string('x', 20)));
}
