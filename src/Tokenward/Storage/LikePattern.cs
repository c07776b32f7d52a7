namespace Tokenward.Storage;

/// <summary>SQL LIKE patterns from user input, with <c>%</c>, <c>_</c> and the escape character taken literally.</summary>
public static class LikePattern
{
    public const string Escape = "\\";

    /// <summary>A lower-case pattern matching values that contain <paramref name="text"/>; compare against <c>lower(column)</c>.</summary>
    public static string Containing(string text) => "%" + text.Trim().ToLowerInvariant()
        .Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("%", "\\%", StringComparison.Ordinal)
        .Replace("_", "\\_", StringComparison.Ordinal) + "%";
}
