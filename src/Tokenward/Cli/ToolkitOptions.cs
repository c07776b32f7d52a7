using System.CommandLine;
using System.Globalization;
using Tokenward.Toolkit;
using Tokenward.Toolkit.Remote;

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

    public static readonly Option<string> Format = new("--format")
    {
        Description = "table, lines (the seed scripts' sentences), json or csv",
        DefaultValueFactory = _ => ReportFormat.Table,
    };

    public static readonly Option<string?> Url = new("--url")
    {
        Description = "Work through this GitLab-compatible API (GitLab or Tokenward) instead of the database (or GITLAB_URL)",
    };

    public static readonly Option<string?> Token = new("--token") { Description = "An administrator's token for --url (or GITLAB_TOKEN)" };

    public static readonly Option<bool> Yes = new("--yes") { Description = "Make the change (without it, only show what would change)" };

    public static readonly Option<bool> DryRun = new("--dry-run") { Description = "Only show what would change (the default)" };

    static ToolkitOptions() => Format.AcceptOnlyFromAmong(ReportFormat.All);

    public static IEnumerable<Option> Filters => [Kind, User, Group, Project, Scope, IncludeBlocked];

    public static IEnumerable<Option> Remote => [Url, Token];

    public static FilterInput Input(ParseResult result) => new(
        result.GetValue(Kind), result.GetValue(User), result.GetValue(Group), result.GetValue(Project), result.GetValue(Scope), result.GetValue(IncludeBlocked));

    /// <summary>The remote API named by <c>--url</c> or <c>GITLAB_URL</c>, or null to work on the database.</summary>
    /// <exception cref="CliException">when a URL is given without a token, or is not a URL.</exception>
    public static GitLabApi? RemoteApi(ParseResult result)
    {
        var url = result.GetValue(Url) ?? Environment.GetEnvironmentVariable("GITLAB_URL");
        if (string.IsNullOrEmpty(url))
        {
            return null;
        }

        var token = result.GetValue(Token) ?? Environment.GetEnvironmentVariable("GITLAB_TOKEN");
        if (string.IsNullOrEmpty(token))
        {
            throw new CliException("an administrator's token is needed with --url: --token or GITLAB_TOKEN.");
        }

        return new GitLabApi(RemoteOptions.Create(url, token, TimeSpan.FromSeconds(60)), Console.Error);
    }

    /// <summary>Whether to apply: <c>--yes</c>; <c>--dry-run</c> (or nothing) only shows.</summary>
    /// <exception cref="CliException">when both are given.</exception>
    public static bool Apply(ParseResult result) =>
        result.GetValue(Yes) && result.GetValue(DryRun) ? throw new CliException("--yes and --dry-run contradict each other.") : result.GetValue(Yes);

    /// <exception cref="CliException">when the text is not a YYYY-MM-DD date.</exception>
    public static DateOnly Date(string option, string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw new CliException($"{option} must be a date as YYYY-MM-DD, not '{text}'.");

    /// <exception cref="CliException">when the text is not a period like 1w, 30d, 1m, 6m or 1y.</exception>
    public static Period Period(string option, string text) =>
        Toolkit.Period.TryParse(text, out var period) ? period : throw new CliException($"{option} must be a period like 7d, 2w, 1m, 6m or 1y, not '{text}'.");
}
