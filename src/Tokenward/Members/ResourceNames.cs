using System.Text.RegularExpressions;

namespace Tokenward.Members;

/// <summary>GitLab's rules for group and project paths: letters, digits, <c>_ - .</c>, not starting or ending with a special character.</summary>
public static partial class ResourceNames
{
    public const string PathProblem = "can contain only letters, digits, '_', '-' and '.', and must start and end with a letter or digit";

    public static bool IsValidPath(string path) => path.Length is > 0 and <= 255 && PathPattern().IsMatch(path);

    /// <summary>
    /// A numeric id or a full path as the API takes it, URL-encoded (<c>parent%2Fchild</c>); null
    /// when it decodes to something no id or path can be (control characters: PostgreSQL refuses NUL).
    /// </summary>
    public static string? Unescape(string idOrPath)
    {
        var value = Uri.UnescapeDataString(idOrPath);
        return value.Any(char.IsControl) ? null : value;
    }

    /// <summary>A path made from a name when none is given: lower case, spaces to dashes.</summary>
    public static string PathFrom(string name) =>
        Unsafe().Replace(name.Trim().ToLowerInvariant().Replace(' ', '-'), string.Empty).Trim('-', '.', '_');

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?$")]
    private static partial Regex PathPattern();

    [GeneratedRegex("[^a-z0-9_.-]")]
    private static partial Regex Unsafe();
}
