using System.Globalization;
using System.Text;

namespace Tokenward.Toolkit;

/// <summary>
/// The exact sentences the seed's Rails scripts print, so output of Tokenward can replace theirs
/// in whatever reads it: Ruby's <c>Array#inspect</c> for scopes, <c>Time#to_s</c> for last use.
/// </summary>
public static class SeedLines
{
    /// <summary><c>expired_tokens.rb</c> and <c>expired_tokens_date_range.rb</c>.</summary>
    public static string Expired(ReportRow r) => r.ResourceType is null
        ? $"Expired personal access token ID: {r.Id}, User Email: {r.UserEmail}, {Rest(r)}"
        : $"Expired {Type(r)} access token in {Type(r)} ID {r.ResourceId}, Token ID: {r.Id}, {Rest(r)}";

    /// <summary><c>tokens_with_no_expiry.rb</c>.</summary>
    public static string NoExpiry(ReportRow r) => r.ResourceType is null
        ? $"Expires_at is nil for personal access token ID: {r.Id}, User Email: {r.UserEmail}, {Rest(r)}"
        : $"Expires_at is nil for {Type(r)} access token in {Type(r)} ID {r.ResourceId}, Token ID: {r.Id}, {Rest(r)}";

    /// <summary><c>dates_when_most_of_tokens_expire.rb</c>.</summary>
    public static string ExpiryDate(ExpiryDateCount d) =>
        string.Create(CultureInfo.InvariantCulture, $"{d.Count} Personal access tokens will expire at {d.Date:yyyy-MM-dd}");

    /// <summary><c>extend_expiring_tokens.rb</c>'s summary.</summary>
    public static string Updated(int count, DateOnly newExpiry) =>
        string.Create(CultureInfo.InvariantCulture, $"Updated {count} tokens with new expiry date {newExpiry:yyyy-MM-dd}");

    /// <summary>Ruby's <c>["api", "read_user"]</c>.</summary>
    public static string RubyArray(IEnumerable<string> items)
    {
        var text = new StringBuilder("[");
        foreach (var item in items)
        {
            if (text.Length > 1)
            {
                text.Append(", ");
            }

            text.Append('"').Append(item.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
        }

        return text.Append(']').ToString();
    }

    /// <summary>Ruby's <c>Time#to_s</c> of a UTC time (<c>2026-06-01 10:00:00 UTC</c>), empty for nil.</summary>
    public static string RubyTime(DateTime? utc)
    {
        if (utc is not { } t)
        {
            return string.Empty;
        }

        // From the GitLab time's digits: a custom format string is parsed on every call, and a
        // report of a hundred thousand tokens has as many of these.
        Span<char> iso = stackalloc char[Api.GitLabJson.TimeLength];
        Api.GitLabJson.FormatTime(DateTime.SpecifyKind(t, DateTimeKind.Utc), iso);
        return string.Concat(iso[..10], " ", iso[11..19], " UTC");
    }

    private static string Type(ReportRow r) => r.ResourceType == TokenKinds.Project ? "Project" : "Group";

    private static string Rest(ReportRow r) =>
        $"Name: {r.Name}, Scopes: {RubyScopeLists.Get(r.Scopes)}, Last used: {RubyTime(r.LastUsedAt)}";

    /// <summary>Scope lists as Ruby arrays, by their stored text.</summary>
    private static readonly PerText<string> RubyScopeLists = new(scopes => RubyArray(ScopeJson.Parse(scopes)));
}
