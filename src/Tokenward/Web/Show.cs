using System.Globalization;
using Microsoft.AspNetCore.Html;

namespace Tokenward.Web;

/// <summary>How the pages write times, dates and states, the same way everywhere.</summary>
public static class Show
{
    /// <summary>A moment: UTC in the page (and on hover), the viewer's zone once the script runs.</summary>
    public static IHtmlContent Time(DateTime? utc)
    {
        if (utc is not { } t)
        {
            return new HtmlString("<span class=\"muted\">Never</span>");
        }

        var iso = t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var text = t.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        return new HtmlString($"<time datetime=\"{iso}\" data-local title=\"{text}\">{text}</time>");
    }

    /// <summary>A date, as GitLab keeps expiry: the same everywhere, no time zone.</summary>
    public static string Date(DateOnly? date, string none = "Never") =>
        date is { } d ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : none;

    public static string Number(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A token's state as a badge, "expiring" for an active one within the warning window.</summary>
    public static IHtmlContent State(bool revoked, DateOnly? expiresAt, DateOnly today)
    {
        var state = TokenStates.Of(revoked, expiresAt, today);
        if (state == TokenState.Active && DaysLeft(expiresAt, today) is { } days && days <= ExpiringWithinDays)
        {
            return new HtmlString($"<span class=\"badge expiring\">expires in {days} day{(days == 1 ? string.Empty : "s")}</span>");
        }

        var name = state.Name();
        return new HtmlString($"<span class=\"badge {name}\">{name}</span>");
    }

    /// <summary>GitLab's warning window on the token page.</summary>
    public const int ExpiringWithinDays = 30;

    public static int? DaysLeft(DateOnly? expiresAt, DateOnly today) => expiresAt is { } d ? d.DayNumber - today.DayNumber : null;
}
