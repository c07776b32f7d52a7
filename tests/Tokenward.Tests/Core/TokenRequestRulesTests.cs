namespace Tokenward.Tests.Core;

public class TokenRequestRulesTests
{
    [Fact]
    public void A_name_is_trimmed_and_must_not_be_blank()
    {
        Assert.Equal("ci", TokenRequestRules.Name("  ci ", successor: false));
        Assert.Equal(("name", "can't be blank"), Problem(() => TokenRequestRules.Name("   ", successor: false)));
    }

    [Fact]
    public void A_new_tokens_name_keeps_gitlabs_length_but_a_successor_keeps_its_predecessors()
    {
        var longName = new string('n', 256);
        Assert.Equal("name", Problem(() => TokenRequestRules.Name(longName, successor: false)).Field);
        Assert.Equal(longName, TokenRequestRules.Name(longName, successor: true));
    }

    [Fact]
    public void Scopes_are_normalized_and_must_be_known()
    {
        Assert.Equal(["api", "read_user"], TokenRequestRules.Scopes(["read_user", "api", "api"]).Order(StringComparer.Ordinal));
        Assert.Equal(("scopes", "can't be blank"), Problem(() => TokenRequestRules.Scopes([])));
        Assert.StartsWith("contains an unknown scope 'write_everything'", Problem(() => TokenRequestRules.Scopes(["write_everything"])).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_tokens_description_has_a_limit()
    {
        Assert.Equal("description", Problem(() => TokenRequestRules.Description(new string('d', 256), successor: false)).Field);
        TokenRequestRules.Description(new string('d', 256), successor: true);
    }

    private static (string Field, string Problem) Problem(Action act)
    {
        var e = Assert.Throws<TokenValidationException>(act);
        return (e.Field, e.Problem);
    }

    private static (string Field, string Problem) Problem<T>(Func<T> act) => Problem(() => { _ = act(); });
}
