namespace Tokenward.Tests.Core;

public class TokenPolicyTests
{
    private static readonly DateOnly Today = new(2026, 6, 1);
    private static readonly TokenPolicy Required = new(true, 365);
    private static readonly TokenPolicy Optional = new(false, 365);

    [Fact]
    public void Without_a_date_a_new_token_gets_the_maximum_lifetime_and_a_rotated_one_a_week()
    {
        Assert.Equal(Today.AddDays(365), Required.ExpiryFor(null, Today, null, rotation: false));
        Assert.Equal(Today.AddDays(7), Required.ExpiryFor(null, Today, null, rotation: true));
    }

    [Fact]
    public void Without_required_expiry_no_date_means_none() =>
        Assert.Null(Optional.ExpiryFor(null, Today, null, rotation: false));

    [Fact]
    public void A_short_maximum_caps_the_rotation_week() =>
        Assert.Equal(Today.AddDays(3), new TokenPolicy(true, 3).ExpiryFor(null, Today, null, rotation: true));

    [Fact]
    public void A_date_past_the_maximum_lifetime_is_refused()
    {
        var e = Assert.Throws<TokenValidationException>(() => Required.ExpiryFor(Today.AddDays(366), Today, null, rotation: false));
        Assert.Equal(("expires_at", "must be on or before 2027-06-01 (the maximum lifetime is 365 days)"), (e.Field, e.Problem));
    }

    [Fact]
    public void A_past_date_is_accepted_on_creation_but_not_on_rotation()
    {
        Assert.Equal(Today.AddDays(-1), Required.ExpiryFor(Today.AddDays(-1), Today, null, rotation: false));
        Assert.Equal("must be in the future", Assert.Throws<TokenValidationException>(() => Required.ExpiryFor(Today, Today, null, rotation: true)).Problem);
    }

    [Fact]
    public void A_bots_resource_end_caps_both_the_default_and_a_requested_date()
    {
        var end = Today.AddDays(10);
        Assert.Equal(end, Required.ExpiryFor(null, Today, end, rotation: false));
        Assert.Equal(end, Optional.ExpiryFor(null, Today, end, rotation: false));
        Assert.Throws<TokenValidationException>(() => Required.ExpiryFor(end.AddDays(1), Today, end, rotation: false));
    }

    [Fact]
    public void A_groups_limit_only_shortens()
    {
        Assert.Equal(30, Required.NarrowedTo(30).MaxPersonalAccessTokenLifetime);
        Assert.Equal(365, Required.NarrowedTo(400).MaxPersonalAccessTokenLifetime);
        Assert.Same(Required, Required.NarrowedTo(null));
    }
}
