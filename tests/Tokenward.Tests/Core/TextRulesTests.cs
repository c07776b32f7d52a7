using Tokenward.Core.Validation;

namespace Tokenward.Tests.Core;

public class TextRulesTests
{
    [Theory]
    [InlineData("Alice", null)]
    [InlineData("tab\there", "can't contain control characters")]
    [InlineData("nul\0", "can't contain control characters")]
    [InlineData("del\u007f", "can't contain control characters")]
    [InlineData("c1\u0085", "can't contain control characters")]
    public void A_line_has_no_control_characters(string value, string? problem) => Assert.Equal(problem, TextRules.Line(value));

    [Fact]
    public void Lengths_are_counted_in_characters_up_to_the_limit()
    {
        Assert.Null(TextRules.Line(new string('a', 255)));
        Assert.Equal("is too long (maximum is 255 characters)", TextRules.Line(new string('a', 256)));
        Assert.Null(TextRules.Text("one\r\ntwo\tthree", 255));
        Assert.Equal("is too long (maximum is 10 characters)", TextRules.Text(new string('a', 11), 10));
    }

    [Theory]
    [InlineData("a@b", true)]
    [InlineData("first.last+tag@example.co.uk", true)]
    [InlineData("a@b@c", false)]
    [InlineData("a b@c", false)]
    [InlineData("@c", false)]
    [InlineData("a@", false)]
    [InlineData("", false)]
    public void Emails_have_one_at_and_no_spaces(string value, bool valid) => Assert.Equal(valid, TextRules.Email(value) is null);

    [Theory]
    [InlineData("Team", true, true)]
    [InlineData("_private", true, true)]
    [InlineData("Ops (EU)", true, false)]
    [InlineData("c++", false, true)]
    [InlineData("🚀 launch", true, true)]
    [InlineData("été", true, true)]
    [InlineData("-dash-first", false, false)]
    [InlineData(".dot", false, false)]
    [InlineData("a<b", false, false)]
    [InlineData("a/b", false, false)]
    [InlineData("", false, false)]
    public void Group_and_project_names_follow_gitlabs_patterns(string name, bool group, bool project)
    {
        Assert.Equal(group, TextRules.GroupName(name) is null);
        Assert.Equal(project, TextRules.ProjectName(name) is null);
    }

    [Theory]
    [InlineData("Bob", "Bob")]
    [InlineData("<b>Bob</b>", "-Bob-")]
    [InlineData("a < b > c", "a - c")]
    [InlineData("1 > 0", "1 - 0")]
    [InlineData("x <script>alert(1)</script>", "x -alert(1)-")]
    [InlineData("open <tag", "open -tag")]
    public void Markup_in_user_names_becomes_dashes(string name, string sanitized) => Assert.Equal(sanitized, TextRules.SanitizeName(name));
}
