using Tokenward.Core.Authentication;

namespace Tokenward.Tests.Core;

public class RotationGraceParseTests
{
    [Theory]
    [InlineData("3600", 3600)]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("1H", 3600)]
    [InlineData("2d", 172_800)]
    [InlineData(" 0 ", 0)]
    public void Seconds_or_one_unit_are_read(string value, long seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), RotationGrace.Parse(value));

    [Theory]
    [InlineData("999999999d")]
    [InlineData("999999999h")]
    [InlineData("8d")]
    public void Values_past_the_maximum_read_as_past_it_even_beyond_a_TimeSpan(string value) =>
        Assert.True(RotationGrace.Parse(value) > RotationGrace.Max);

    [Theory]
    [InlineData("")]
    [InlineData("m")]
    [InlineData("-5")]
    [InlineData("+5")]
    [InlineData("1.5h")]
    [InlineData("1e3")]
    [InlineData("1h30m")]
    [InlineData("2w")]
    [InlineData("1234567890")]
    [InlineData("٣٠m")]
    public void Anything_else_is_malformed(string value) => Assert.Null(RotationGrace.Parse(value));

    [Fact]
    public void A_rotated_token_is_in_grace_up_to_but_not_at_its_end()
    {
        var until = new DateTime(2026, 6, 1, 11, 0, 0, DateTimeKind.Utc);
        Assert.True(RotationGrace.InGrace(true, until, until.AddTicks(-1)));
        Assert.False(RotationGrace.InGrace(true, until, until));
        Assert.False(RotationGrace.InGrace(true, null, until));
    }

    [Fact]
    public void The_rules_pass_a_rotated_token_in_its_grace_and_refuse_it_as_revoked_after()
    {
        var until = new DateTime(2026, 6, 1, 11, 0, 0, DateTimeKind.Utc);
        var today = DateOnly.FromDateTime(until);
        var token = new TokenFacts(true, today.AddDays(30), ["api"], false, UserStates.Active, until);
        Assert.Null(TokenRules.Check(token, today, ["api"], true, until.AddSeconds(-1)));
        Assert.Equal(AuthFailReason.TokenRevoked, TokenRules.Check(token, today, ["api"], true, until));
        Assert.Equal(AuthFailReason.TokenRevoked, TokenRules.Check(token, today, ["api"], true));
        // Its grace does not outlast its date.
        Assert.Equal(AuthFailReason.TokenExpired, TokenRules.Check(token with { ExpiresAt = today }, today, ["api"], true, until.AddSeconds(-1)));
    }
}
