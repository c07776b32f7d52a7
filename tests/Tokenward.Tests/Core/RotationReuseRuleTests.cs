namespace Tokenward.Tests.Core;

public class RotationReuseRuleTests
{
    private static readonly DateTime Rotated = new(2026, 6, 1, 10, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    [Fact]
    public void The_rotating_address_retrying_within_the_grace_is_a_retry() =>
        Assert.Equal(RotationReuse.Retry, RotationReuseRule.Judge(Rotated, Rotated.AddSeconds(5), Grace, "10.0.0.1", "10.0.0.1").Verdict);

    [Fact]
    public void Another_address_within_the_grace_is_a_leak_naming_both() =>
        Assert.Equal((RotationReuse.Leak, "presented from 10.0.0.2, rotated from 10.0.0.1"), RotationReuseRule.Judge(Rotated, Rotated.AddSeconds(1), Grace, "10.0.0.2", "10.0.0.1"));

    [Fact]
    public void After_the_grace_it_is_a_leak_whoever_presents_it() =>
        Assert.Equal((RotationReuse.Leak, "presented after the grace window"), RotationReuseRule.Judge(Rotated, Rotated.AddSeconds(5.001), Grace, "10.0.0.1", "10.0.0.1"));

    [Fact]
    public void A_token_revoked_without_rotation_is_a_leak() =>
        Assert.Equal((RotationReuse.Leak, "revoked without rotation"), RotationReuseRule.Judge(null, Rotated, Grace, "10.0.0.1", null));

    [Fact]
    public void The_cli_is_an_address_of_its_own() =>
        Assert.Equal(RotationReuse.Retry, RotationReuseRule.Judge(Rotated, Rotated, Grace, null, null).Verdict);
}
