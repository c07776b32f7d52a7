using Tokenward.Core.Authentication;

namespace Tokenward.Tests.Core;

public class TokenRulesTests
{
    private static readonly DateOnly Today = new(2026, 6, 1);
    private static readonly string[] ReadScopes = ["api", "read_api"];

    private static TokenFacts Token(bool revoked = false, DateOnly? expires = null, string[]? scopes = null, bool impersonation = false, string state = UserStates.Active) =>
        new(revoked, expires, scopes ?? ["api"], impersonation, state);

    [Fact]
    public void A_token_expiring_tomorrow_is_usable_today() =>
        Assert.Null(TokenRules.Check(Token(expires: Today.AddDays(1)), Today, ReadScopes, true));

    [Fact]
    public void A_token_is_expired_on_its_expiry_date() =>
        Assert.Equal(AuthFailReason.TokenExpired, TokenRules.Check(Token(expires: Today), Today, ReadScopes, true));

    [Fact]
    public void Expiry_is_checked_before_revocation_scope_and_impersonation() =>
        Assert.Equal(
            AuthFailReason.TokenExpired,
            TokenRules.Check(Token(revoked: true, expires: Today.AddDays(-3), scopes: ["read_user"], impersonation: true), Today, ReadScopes, false));

    [Fact]
    public void Revocation_is_checked_before_scope() =>
        Assert.Equal(AuthFailReason.TokenRevoked, TokenRules.Check(Token(revoked: true, scopes: ["read_user"]), Today, ReadScopes, true));

    [Fact]
    public void Scope_is_checked_before_impersonation() =>
        Assert.Equal(AuthFailReason.InsufficientScope, TokenRules.Check(Token(scopes: ["read_user"], impersonation: true), Today, ReadScopes, false));

    [Fact]
    public void Impersonation_tokens_fail_when_impersonation_is_disabled()
    {
        Assert.Equal(AuthFailReason.ImpersonationDisabled, TokenRules.Check(Token(impersonation: true), Today, ReadScopes, false));
        Assert.Null(TokenRules.Check(Token(impersonation: true), Today, ReadScopes, true));
    }

    [Theory]
    [InlineData(UserStates.Blocked, AuthFailReason.UserBlocked)]
    [InlineData(UserStates.Banned, AuthFailReason.UserBanned)]
    [InlineData(UserStates.Deactivated, AuthFailReason.UserDeactivated)]
    public void Tokens_of_users_who_may_not_use_the_api_fail_with_their_own_reason(string state, AuthFailReason reason) =>
        Assert.Equal(reason, TokenRules.Check(Token(state: state), Today, ReadScopes, true));

    [Fact]
    public void Expiry_uses_utc_dates()
    {
        Assert.False(TokenStates.IsExpired(null, Today));
        Assert.True(TokenStates.IsExpired(Today.AddDays(-1), Today));
        Assert.False(TokenStates.IsActive(true, null, Today));
        var late = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 5, 31, 23, 30, 0, TimeSpan.FromHours(-5)));
        Assert.Equal(Today, TokenStates.Today(late));
    }

    [Theory]
    [InlineData("api", true)]
    [InlineData("read_api", true)]
    [InlineData("read_user", false)]
    [InlineData("nonsense", false)]
    public void Any_one_accepted_scope_is_enough(string scope, bool enough) =>
        Assert.Equal(enough, TokenRules.HasAnyScope([scope], ReadScopes));

    [Fact]
    public void Scope_list_is_gitlabs()
    {
        Assert.Contains("self_rotate", Scopes.All);
        Assert.Contains("k8s_proxy", Scopes.All);
        Assert.False(Scopes.IsKnown("write_everything"));
        Assert.Equal(["api", "sudo"], Scopes.Normalize([" api", "sudo", "api", ""]));
    }
}
