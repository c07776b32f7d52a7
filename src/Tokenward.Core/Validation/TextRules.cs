using System.Globalization;
using System.Text;

namespace Tokenward.Core.Validation;

/// <summary>
/// GitLab's limits on the strings it stores, applied before anything is stored, the same on
/// every engine (SQLite has no column lengths, and PostgreSQL refuses NUL with an error): names,
/// e-mail addresses and descriptions. Each check answers with GitLab's validation message, or
/// null when the value may be stored.
/// </summary>
public static class TextRules
{
    /// <summary>Names of users, tokens, groups and projects, and e-mail addresses (GitLab's <c>length: { maximum: 255 }</c>).</summary>
    public const int MaxLineLength = 255;

    /// <summary>A token's description: the check constraint GitLab 17.7 put on the column.</summary>
    public const int MaxTokenDescriptionLength = 255;

    public const int MaxGroupDescriptionLength = 500;

    public const int MaxProjectDescriptionLength = 2000;

    public const string ControlCharacters = "can't contain control characters";

    public const string GroupNameProblem = "can contain only letters, digits, emoji, '_', '.', dash, space, parenthesis. It must start with letter, digit, emoji or '_'.";

    public const string ProjectNameProblem = "can contain only letters, digits, emoji, '_', '.', '+', dashes, or spaces. It must start with a letter, digit, emoji, or '_'.";

    public const string EmailProblem = "is invalid";

    /// <summary>One line of text: a name or an address. No control characters at all.</summary>
    public static string? Line(string value, int max = MaxLineLength) =>
        TooLong(value, max) ?? (value.Any(char.IsControl) ? ControlCharacters : null);

    /// <summary>Free text that may run over lines: tabs and line breaks are fine, other control characters are not.</summary>
    public static string? Text(string value, int max) =>
        TooLong(value, max) ?? (value.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')) ? ControlCharacters : null);

    /// <summary>An address with one <c>@</c>, something on each side and no spaces (Devise's check), at most 255 characters.</summary>
    public static string? Email(string value)
    {
        var at = value.IndexOf('@', StringComparison.Ordinal);
        return value.Length > MaxLineLength || at <= 0 || at == value.Length - 1 || value.IndexOf('@', at + 1) >= 0
            || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))
            ? EmailProblem
            : null;
    }

    /// <summary>GitLab's <c>group_name_regex</c>.</summary>
    public static string? GroupName(string value) =>
        Line(value) ?? (ResourceName(value, extra: "()") ? null : GroupNameProblem);

    /// <summary>GitLab's <c>project_name_regex</c>.</summary>
    public static string? ProjectName(string value) =>
        Line(value) ?? (ResourceName(value, extra: "+") ? null : ProjectNameProblem);

    /// <summary>
    /// GitLab's user name sanitizing: HTML tags and angle brackets become <c>-</c>, so a name is
    /// never markup wherever it is shown.
    /// </summary>
    public static string SanitizeName(string value)
    {
        var result = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '<')
            {
                var close = value.IndexOf('>', i + 1);
                var tag = close > i && value.AsSpan(i + 1, close - i - 1).IndexOf('<') < 0;
                result.Append('-');
                i = tag ? close : i;
            }
            else
            {
                result.Append(value[i] == '>' ? '-' : value[i]);
            }
        }

        return result.ToString();
    }

    private static string? TooLong(string value, int max) =>
        value.Length > max ? string.Create(CultureInfo.InvariantCulture, $"is too long (maximum is {max} characters)") : null;

    /// <summary>Letters, digits, emoji (GitLab's U+00A9 to U+1F9FF), <c>_</c> first; then also dashes, <c>.</c>, spaces and <paramref name="extra"/>.</summary>
    private static bool ResourceName(string value, string extra)
    {
        var first = true;
        foreach (var rune in value.EnumerateRunes())
        {
            var ok = Rune.IsLetterOrDigit(rune) || rune.Value is >= 0xA9 and <= 0x1F9FF || rune.Value == '_'
                || (!first && (Rune.GetUnicodeCategory(rune) == UnicodeCategory.DashPunctuation || rune.Value is '.' or ' ' || (rune.IsAscii && extra.Contains((char)rune.Value, StringComparison.Ordinal))));
            if (!ok)
            {
                return false;
            }

            first = false;
        }

        return !first;
    }
}
