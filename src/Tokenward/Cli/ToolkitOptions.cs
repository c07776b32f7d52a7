using System.CommandLine;
using System.Globalization;
using Tokenward.Toolkit;

namespace Tokenward.Cli;

/// <summary>
/// Options shared by the token toolkit's commands: the filters, the output format, and where the
/// tokens are (Tokenward's database, or a GitLab-compatible API with <c>--url</c>).
/// </summary>
public static class ToolkitOptions
{
    public static readonly Option<string[]> Kind = new("--kind")
    {
        Description = "Only these kinds: personal, project, group, impersonation (repeat or comma-separate)",
        AllowMultipleArgumentsPerToken = true,
    };

    public static readonly Option<string?> User = new("--user") { Description = "Only tokens of this user (id or username)" };

    public static readonly Option<string?> Group = new("--group") { Description = "Only project and group tokens of this group and everything below it (id or full path)" };

    public static readonly Option<string?> Project = new("--project") { Description = "Only project tokens of this project (id or path with namespace)" };

    public static readonly Option<string?> Scope = new("--scope") { Description = "Only tokens with this scope" };

    public static readonly Option<bool> IncludeBlocked = new("--include-blocked") { Description = "Also tokens of blocked, banned and deactivated users (hidden: they cannot be used)" };

    public static readonly Option<bool> Yes = new("--yes") { Description = "Make the change (without it, only show what would change)" };

    public static readonly Option<bool> DryRun = new("--dry-run") { Description = "Only show what would change (the default)" };

    public static IEnumerable<Option> Filters => [Kind, User, Group, Project, Scope, IncludeBlocked];

    public static IEnumerable<Option> Remote => [RemoteOptions.Url, RemoteOptions.Token];

    public static FilterInput Input(ParseResult result) => new(
        result.GetValue(Kind), result.GetValue(User), result.GetValue(Group), result.GetValue(Project), result.GetValue(Scope), result.GetValue(IncludeBlocked));

    /// <summary>
    /// Whether to apply: <c>--yes</c>; <c>--dry-run</c> (or nothing) only shows. Also checks, before
    /// anything changes, what could otherwise only fail after the change: the output format, and
    /// a remote server named the old way.
    /// </summary>
    /// <exception cref="CliException">when both are given, the format is not one for changes, or only GITLAB_URL names a server.</exception>
    public static bool Apply(ParseResult result)
    {
        if (result.GetValue(Yes) && result.GetValue(DryRun))
        {
            throw new CliException("--yes and --dry-run contradict each other.");
        }

        _ = GlobalOptions.FormatWithoutLines(result);
        if (result.GetValue(Yes) && RemoteOptions.OnlyOldVariable(result))
        {
            throw new CliException($"GITLAB_URL is set but not read: refusing to change the local database when a server may have been meant; give --url or {RemoteOptions.UrlVariable}, or unset GITLAB_URL.");
        }

        return result.GetValue(Yes);
    }

    /// <exception cref="CliException">when the text is not a YYYY-MM-DD date.</exception>
    public static DateOnly Date(string option, string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw new CliException($"{option} must be a date as YYYY-MM-DD, not '{text}'.");

    /// <summary>What <see cref="Time"/> takes, for the options' help.</summary>
    public const string TimeFormats = "YYYY-MM-DD (UTC midnight), an ISO 8601 time (2026-06-01T10:00:00Z; UTC without an offset), or that long ago: 30min, 12h, 7d, 2w, 3months, 1y";

    /// <summary>A point in time, given as a date, an ISO 8601 time, or a period before <paramref name="now"/>.</summary>
    /// <exception cref="CliException">when the text is none of <see cref="TimeFormats"/>.</exception>
    public static DateTime Time(string option, string text, DateTimeOffset now)
    {
        var t = text.Trim();
        if (DateOnly.TryParseExact(t, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        }

        if (t.Contains('T', StringComparison.OrdinalIgnoreCase) && DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time.UtcDateTime;
        }

        if (t.Length > 1 && t[^1] is 'm' or 'M' && t[..^1].All(char.IsAsciiDigit))
        {
            // In a time "30m" reads as minutes to some and months to others: neither is guessed.
            throw new CliException($"{option}: '{text}' is ambiguous; write {t[..^1]}min for minutes or {t[..^1]}months for months.");
        }

        var ago = RelativeAgo(t, now);
        return ago ?? throw new CliException($"{option} must be {TimeFormats}; not '{text}'.");
    }

    /// <summary><c>30min</c> and <c>12h</c>, then the periods <c>--within</c> takes (7d, 2w, 1m, 1y), counted back from now.</summary>
    private static DateTime? RelativeAgo(string text, DateTimeOffset now)
    {
        foreach (var (suffix, unit) in new[] { ("min", TimeSpan.FromMinutes(1)), ("h", TimeSpan.FromHours(1)) })
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && int.TryParse(text.AsSpan(0, text.Length - suffix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                && n is > 0 and <= 1_000_000)
            {
                return (now - (unit * n)).UtcDateTime;
            }
        }

        if (!Toolkit.Period.TryParse(text, out var period))
        {
            return null;
        }

        var today = DateOnly.FromDateTime(now.UtcDateTime);
        return period.TryBefore(today) is { } start ? start.ToDateTime(TimeOnly.FromDateTime(now.UtcDateTime), DateTimeKind.Utc) : null;
    }

    /// <exception cref="CliException">when the text is not a period like 1w, 30d, 1m, 6m or 1y.</exception>
    public static Period Period(string option, string text) =>
        Toolkit.Period.TryParse(text, out var period) ? period : throw new CliException($"{option} must be a period like 7d, 2w, 1m, 6m or 1y, not '{text}'.");
}
