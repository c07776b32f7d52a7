using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Tokenward.Core.Authentication;
using Tokenward.Core.Authorization;
using Tokenward.Members;
using Tokenward.Storage;

namespace Tokenward.Notifications;

/// <summary>
/// What a notice is about: a token, its owner and, for a project or group token, its resource;
/// who is told by e-mail (the owner, or the resource's Maintainers and Owners, inherited ones
/// included) and where the token is rotated.
/// </summary>
public sealed record NoticeSubject(PersonalAccessToken Token, User Owner, Member? Membership, string? ResourcePath)
{
    public bool IsResourceToken => Membership is not null;

    public string Kind => Membership is null ? (Token.Impersonation ? "impersonation token" : "personal access token")
        : Membership.SourceType == Member.ProjectSource ? "project access token" : "group access token";

    /// <summary>
    /// The web UI's page for this token's kind, under <paramref name="baseUrl"/>: GitLab's paths for
    /// personal, project and group tokens. GitLab's page for impersonation tokens has no counterpart
    /// here, so those go to the admin's token inventory, filtered to the owner's.
    /// </summary>
    public string RotateAt(string baseUrl) => Membership switch
    {
        null when Token.Impersonation => $"{baseUrl}/admin/credentials?state=active&kind={TokenKinds.Impersonation}&user={Uri.EscapeDataString(Owner.Username)}",
        null => $"{baseUrl}/-/user_settings/personal_access_tokens",
        { SourceType: Member.ProjectSource } => $"{baseUrl}/{ResourcePath}/-/settings/access_tokens",
        _ => $"{baseUrl}/groups/{ResourcePath}/-/settings/access_tokens",
    };

    public string MailSubject(Notice notice, DateOnly today) => notice.IsExpiry
        ? $"Your {Kind} '{Token.Name}' has expired"
        : string.Create(CultureInfo.InvariantCulture, $"Your {Kind} '{Token.Name}' expires in {DaysLeft(today)} day{(DaysLeft(today) == 1 ? string.Empty : "s")}");

    public string MailBody(Notice notice, DateOnly today, string baseUrl)
    {
        var of = Membership is null ? $"of {Owner.Username}" : $"of {(Membership.SourceType == Member.ProjectSource ? "project" : "group")} {ResourcePath}";
        var when = notice.IsExpiry
            ? $"expired on {Token.ExpiresAt:yyyy-MM-dd}"
            : string.Create(CultureInfo.InvariantCulture, $"expires on {Token.ExpiresAt:yyyy-MM-dd}, in {DaysLeft(today)} day{(DaysLeft(today) == 1 ? string.Empty : "s")}");
        var used = Token.LastUsedAt is { } last
            ? string.Create(CultureInfo.InvariantCulture, $"It was last used on {last:yyyy-MM-dd HH:mm} UTC ({Ago(last, today)}){(Authentication.TokenAuthenticator.ParseIps(Token.LastUsedIps) is { Count: > 0 } ips ? $" from {string.Join(", ", ips)}" : string.Empty)}.")
            : "It has never been used.";
        return string.Create(CultureInfo.InvariantCulture,
            $"The {Kind} '{Token.Name}' (id {Token.Id}) {of} {when}.\n{used}\nRotate it, or create a new one, and update wherever it is used:\n{RotateAt(baseUrl)}\n");
    }

    /// <summary>As GitLab's mail when secret detection revoked a token: "Your personal access token has been revoked".</summary>
    public string LeakSubject() => $"Your {Kind} '{Token.Name}' has been revoked";

    public string LeakBody(string? location, string baseUrl)
    {
        var of = Membership is null ? $"of {Owner.Username}" : $"of {(Membership.SourceType == Member.ProjectSource ? "project" : "group")} {ResourcePath}";
        var where = string.IsNullOrWhiteSpace(location) ? "outside Tokenward" : $"at {location}";
        return string.Create(CultureInfo.InvariantCulture,
            $"The {Kind} '{Token.Name}' (id {Token.Id}) {of} was found {where}, and has been revoked to protect your account.\nCheck what it was used for (tokenward logs token-activity --token-id {Token.Id}), then create a new one where it is needed:\n{RotateAt(baseUrl)}\n");
    }

    /// <summary>How long ago in days, as a reader weighs whether the token is still needed.</summary>
    public static string Ago(DateTime lastUsed, DateOnly today) => (today.DayNumber - DateOnly.FromDateTime(lastUsed).DayNumber) switch
    {
        <= 0 => "today",
        1 => "yesterday",
        var days => string.Create(CultureInfo.InvariantCulture, $"{days} days ago"),
    };

    private int DaysLeft(DateOnly today) => Token.ExpiresAt!.Value.DayNumber - today.DayNumber;

    /// <summary>The token with its owner, membership and resource path; null when the token is gone.</summary>
    public static async Task<NoticeSubject?> LoadAsync(TokenwardDb db, Access access, long tokenId, CancellationToken ct)
    {
        var token = await db.PersonalAccessTokens.Include(t => t.User).FirstOrDefaultAsync(t => t.Id == tokenId, ct);
        if (token?.User is not { } owner)
        {
            return null;
        }

        var membership = owner.IsBot ? await db.Members.FirstOrDefaultAsync(m => m.UserId == owner.Id, ct) : null;
        string? path = null;
        if (membership is { SourceType: Member.ProjectSource })
        {
            var project = await db.Projects.FirstOrDefaultAsync(p => p.Id == membership.SourceId, ct);
            path = project is null ? null : $"{await access.FullPathAsync(project.NamespaceId, ct)}/{project.Path}";
        }
        else if (membership is not null)
        {
            path = await access.FullPathAsync(membership.SourceId, ct);
        }

        return new NoticeSubject(token, owner, membership, path);
    }

    /// <summary>The e-mail addresses told: the owner, or the resource's active human Maintainers and Owners.</summary>
    public async Task<List<string>> MailRecipientsAsync(TokenwardDb db, Access access, CancellationToken ct)
    {
        if (Membership is null)
        {
            return [Owner.Email];
        }

        var groupIds = new List<long>();
        var projectIds = new List<long>();
        if (Membership.SourceType == Member.ProjectSource)
        {
            projectIds.Add(Membership.SourceId);
            var project = await db.Projects.FirstOrDefaultAsync(p => p.Id == Membership.SourceId, ct);
            if (project is not null)
            {
                groupIds.AddRange((await access.ChainAsync(project.NamespaceId, ct)).Where(n => n.Type == Namespace.GroupType).Select(n => n.Id));
            }
        }
        else
        {
            groupIds.AddRange((await access.ChainAsync(Membership.SourceId, ct)).Select(n => n.Id));
        }

        return await db.Users
            .Where(u => u.UserType == UserTypes.Human && u.State == UserStates.Active
                && db.Members.Any(m => m.UserId == u.Id && m.AccessLevel >= AccessLevels.Maintainer
                    && ((m.SourceType == Member.ProjectSource && projectIds.Contains(m.SourceId)) || (m.SourceType == Member.NamespaceSource && groupIds.Contains(m.SourceId)))))
            .OrderBy(u => u.Id)
            .Select(u => u.Email)
            .ToListAsync(ct);
    }
}
