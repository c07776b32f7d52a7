namespace Tokenward.Users;

/// <summary>GitLab's username shape: letters, digits, <c>_ - .</c>; starts and ends with a letter, digit or <c>_</c>.</summary>
public static class UsernameRules
{
    public const string Problem = "can contain only letters, digits, '_', '-' and '.', and must start and end with a letter, digit or '_' (at most 255 characters)";

    public static bool IsValid(string username) =>
        username.Length is > 0 and <= 255
        && username.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')
        && Edge(username[0]) && Edge(username[^1]);

    private static bool Edge(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}
