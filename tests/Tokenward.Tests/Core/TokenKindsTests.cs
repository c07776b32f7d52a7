namespace Tokenward.Tests.Core;

public class TokenKindsTests
{
    [Fact]
    public void Every_kind_has_a_name_that_parses_back() =>
        Assert.All(Enum.GetValues<TokenKind>(), k => Assert.Equal(k, TokenKinds.Parse(k.Name())));

    [Fact]
    public void The_names_are_the_reports_words() =>
        Assert.Equal(["personal", "impersonation", "project", "group"], TokenKinds.All);

    [Fact]
    public void An_unknown_name_is_no_kind() => Assert.Null(TokenKinds.Parse("Personal"));

    [Theory]
    [InlineData(true, false, null, TokenKind.Impersonation)]
    [InlineData(true, true, TokenKind.Project, TokenKind.Impersonation)]
    [InlineData(false, false, null, TokenKind.Personal)]
    [InlineData(false, true, TokenKind.Project, TokenKind.Project)]
    [InlineData(false, true, TokenKind.Group, TokenKind.Group)]
    public void The_kind_follows_from_impersonation_and_the_bots_membership(bool impersonation, bool bot, TokenKind? resource, TokenKind expected) =>
        Assert.Equal(expected, TokenKinds.Of(impersonation, bot, resource));
}
