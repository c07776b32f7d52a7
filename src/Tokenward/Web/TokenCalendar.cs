using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Tokenward.Storage;

namespace Tokenward.Web;

/// <summary>
/// The signed-in user's active tokens' expiry dates as an iCalendar file (RFC 5545), as GitLab
/// offers it from its token page: one all-day event per token on its expiry date.
/// </summary>
public static class TokenCalendar
{
    public static async Task<IResult> RenderAsync(HttpContext context, TokenwardDb db, TimeProvider clock, Hosting.ExternalUrl external)
    {
        var user = WebUser.Of(context).User;
        var today = TokenStates.Today(clock);
        var tokens = await db.PersonalAccessTokens
            .Where(t => t.UserId == user.Id && !t.Impersonation && !t.Revoked && t.ExpiresAt != null && t.ExpiresAt > today)
            .OrderBy(t => t.ExpiresAt).ThenBy(t => t.Id)
            .Select(t => new { t.Id, t.Name, t.ExpiresAt })
            .ToListAsync(context.RequestAborted);
        var host = new Uri(external.Base).Host;
        var stamp = clock.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var ics = new StringBuilder();
        Line(ics, "BEGIN:VCALENDAR");
        Line(ics, "VERSION:2.0");
        Line(ics, "PRODID:-//Tokenward//Personal access tokens//EN");
        Line(ics, "CALSCALE:GREGORIAN");
        Line(ics, $"X-WR-CALNAME:{Escape($"Personal access tokens of {user.Username}")}");
        foreach (var t in tokens)
        {
            var date = t.ExpiresAt!.Value;
            Line(ics, "BEGIN:VEVENT");
            Line(ics, $"UID:personal-access-token-{t.Id}-{date:yyyyMMdd}@{host}");
            Line(ics, $"DTSTAMP:{stamp}");
            Line(ics, $"DTSTART;VALUE=DATE:{date:yyyyMMdd}");
            Line(ics, $"DTEND;VALUE=DATE:{date.AddDays(1):yyyyMMdd}");
            // GitLab's summary, word for word.
            Line(ics, $"SUMMARY:{Escape($"Token '{t.Name}' expires today")}");
            Line(ics, $"DESCRIPTION:{Escape($"It stops working on {date:yyyy-MM-dd}. Rotate it before then: {external.Base}/-/user_settings/personal_access_tokens")}");
            Line(ics, "END:VEVENT");
        }

        Line(ics, "END:VCALENDAR");
        return Results.File(Encoding.UTF8.GetBytes(ics.ToString()), "text/calendar; charset=utf-8", "personal_access_tokens.ics");
    }

    /// <summary>RFC 5545's text escaping; lines are folded at 75 octets.</summary>
    private static string Escape(string text) => text
        .Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace(";", "\\;", StringComparison.Ordinal)
        .Replace(",", "\\,", StringComparison.Ordinal)
        .Replace("\r", string.Empty, StringComparison.Ordinal)
        .Replace("\n", "\\n", StringComparison.Ordinal);

    private static void Line(StringBuilder ics, string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        var start = 0;
        var first = true;
        while (start < bytes.Length)
        {
            var limit = first ? 75 : 74;
            var end = Math.Min(bytes.Length, start + limit);
            // Never split a UTF-8 sequence.
            while (end < bytes.Length && (bytes[end] & 0xC0) == 0x80)
            {
                end--;
            }

            ics.Append(first ? string.Empty : " ").Append(Encoding.UTF8.GetString(bytes, start, end - start)).Append("\r\n");
            start = end;
            first = false;
        }

        if (bytes.Length == 0)
        {
            ics.Append("\r\n");
        }
    }
}
