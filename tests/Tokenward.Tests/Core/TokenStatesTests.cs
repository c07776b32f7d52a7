namespace Tokenward.Tests.Core;

public class TokenStatesTests
{
    private static readonly DateOnly Today = new(2026, 6, 1);

    private static readonly (bool Revoked, DateOnly? ExpiresAt)[] Cases =
    [
        (false, null), (false, Today.AddDays(1)), (false, Today), (false, Today.AddDays(-1)),
        (true, null), (true, Today.AddDays(30)), (true, Today.AddDays(-30)),
    ];

    private static ReportRow Row((bool Revoked, DateOnly? ExpiresAt) c) => new() { Revoked = c.Revoked, ExpiresAt = c.ExpiresAt };

    [Fact]
    public void A_token_is_active_through_the_day_before_its_expiry_and_expired_from_it()
    {
        Assert.Equal(TokenState.Active, TokenStates.Of(false, Today.AddDays(1), Today));
        Assert.Equal(TokenState.Expired, TokenStates.Of(false, Today, Today));
        Assert.Equal(TokenState.Active, TokenStates.Of(false, null, Today));
    }

    [Fact]
    public void Revocation_wins_over_any_date() =>
        Assert.All(new DateOnly?[] { null, Today.AddDays(-1), Today.AddDays(1) }, d => Assert.Equal(TokenState.Revoked, TokenStates.Of(true, d, Today)));

    [Fact]
    public void The_query_expressions_select_what_the_in_memory_rule_says()
    {
        var active = TokenStates.Active<ReportRow>(Today).Compile();
        var inactive = TokenStates.Inactive<ReportRow>(Today).Compile();
        var notExpired = TokenStates.NotExpired<ReportRow>(Today).Compile();
        foreach (var c in Cases)
        {
            var state = TokenStates.Of(c.Revoked, c.ExpiresAt, Today);
            Assert.Equal(state == TokenState.Active, active(Row(c)));
            Assert.Equal(state != TokenState.Active, inactive(Row(c)));
            Assert.Equal(!TokenStates.IsExpired(c.ExpiresAt, Today), notExpired(Row(c)));
        }
    }

    [Fact]
    public void States_have_gitlabs_names() =>
        Assert.Equal(["active", "expired", "revoked"], Enum.GetValues<TokenState>().Select(s => s.Name()));
}
