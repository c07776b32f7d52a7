using System.Globalization;
using System.Text.Json.Nodes;
using MailKit.Net.Smtp;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using Tokenward.Authentication;
using Tokenward.Core.Authentication;
using Tokenward.Core.Authorization;
using Tokenward.Core.Tokens;
using Tokenward.Hosting;
using Tokenward.Members;
using Tokenward.Storage;

namespace Tokenward.Notifications;

/// <summary>
/// Sends each expiry notice once per token and expiry date: 60, 30 and 7 days before and on
/// expiry, by email to the owner (for project and group tokens, to the resource's Maintainers and
/// Owners, inherited ones included) and, for project and group tokens, to the webhooks with
/// GitLab's <c>access_token</c> payload. A notice is claimed in <c>token_expiry_notifications</c>
/// before it is sent and the claim is dropped if delivery fails, so concurrent runs and restarts
/// neither repeat nor lose it; failed deliveries are retried with backoff, then on the next run.
/// </summary>
public sealed partial class ExpiryNotifier(
    TokenwardDb db, Access access, IHttpClientFactory http, TimeProvider clock, TokenwardSettings settings, Hosting.ExternalUrl externalUrl, ILogger<ExpiryNotifier> logger)
{
    private NotificationSettings Channels => settings.Notifications;

    /// <returns>How many notices were delivered, per notice.</returns>
    public async Task<Dictionary<string, int>> RunOnceAsync(CancellationToken ct)
    {
        var sent = Notice.All.ToDictionary(n => n.Name, _ => 0);
        if (!Channels.AnyChannel)
        {
            return sent;
        }

        var today = TokenExpiry.Today(clock);
        foreach (var notice in Notice.All)
        {
            var upTo = today.AddDays(notice.UpTo);
            var after = today.AddDays(notice.After);
            var due = await db.PersonalAccessTokens.Include(t => t.User)
                .Where(t => !t.Revoked && t.ExpiresAt != null && t.ExpiresAt <= upTo && t.ExpiresAt > after
                    && t.User!.State == UserStates.Active
                    && !db.TokenExpiryNotifications.Any(n => n.PersonalAccessTokenId == t.Id && n.Notice == notice.Name && n.ExpiresAt == t.ExpiresAt))
                .OrderBy(t => t.Id)
                .ToListAsync(ct);
            foreach (var token in due)
            {
                if (await DeliverOnceAsync(token, notice, today, ct))
                {
                    sent[notice.Name]++;
                }
            }
        }

        return sent;
    }

    private async Task<bool> DeliverOnceAsync(PersonalAccessToken token, Notice notice, DateOnly today, CancellationToken ct)
    {
        var claim = new TokenExpiryNotification
        {
            PersonalAccessTokenId = token.Id,
            Notice = notice.Name,
            ExpiresAt = token.ExpiresAt!.Value,
            SentAt = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime),
        };
        db.TokenExpiryNotifications.Add(claim);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another run claimed it first.
            db.ChangeTracker.Clear();
            return false;
        }

        db.ChangeTracker.Clear();
        try
        {
            await DeliverAsync(token, notice, today, ct);
            LogSent(logger, notice.Name, token.Id);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, e, notice.Name, token.Id);
            await db.TokenExpiryNotifications
                .Where(n => n.PersonalAccessTokenId == claim.PersonalAccessTokenId && n.Notice == claim.Notice && n.ExpiresAt == claim.ExpiresAt)
                .ExecuteDeleteAsync(CancellationToken.None);
            return false;
        }
    }

    private async Task DeliverAsync(PersonalAccessToken token, Notice notice, DateOnly today, CancellationToken ct)
    {
        var owner = token.User!;
        var membership = owner.IsBot ? await db.Members.FirstOrDefaultAsync(m => m.UserId == owner.Id, ct) : null;
        var recipients = membership is null ? [owner] : await ManagersAsync(membership, ct);
        var days = token.ExpiresAt!.Value.DayNumber - today.DayNumber;
        var kind = membership is null ? (token.Impersonation ? "impersonation token" : "personal access token")
            : membership.SourceType == Member.ProjectSource ? "project access token" : "group access token";
        var subject = notice.IsExpiry
            ? $"Your {kind} '{token.Name}' has expired"
            : $"Your {kind} '{token.Name}' expires in {days} day{(days == 1 ? string.Empty : "s")}";
        var body = string.Create(CultureInfo.InvariantCulture,
            $"The {kind} '{token.Name}' (id {token.Id}) {(notice.IsExpiry ? "expired" : "expires")} on {token.ExpiresAt:yyyy-MM-dd}.\nRotate it, or create a new one, and update wherever it is used.\n");

        if (Channels.SmtpHost is not null && recipients.Count > 0)
        {
            await RetryAsync(() => SendMailAsync(recipients, subject, body, ct), ct);
        }

        if (membership is not null && !notice.IsExpiry && Channels.WebhookUrls.Count > 0)
        {
            var payload = await HookPayloadAsync(token, membership, ct);
            foreach (var url in Channels.WebhookUrls)
            {
                await RetryAsync(() => PostHookAsync(url, payload, ct), ct);
            }
        }
    }

    /// <summary>Active human members with Maintainer or Owner access, on the resource or inherited from groups above it.</summary>
    private async Task<List<User>> ManagersAsync(Member membership, CancellationToken ct)
    {
        var groupIds = new List<long>();
        var projectIds = new List<long>();
        if (membership.SourceType == Member.ProjectSource)
        {
            projectIds.Add(membership.SourceId);
            var project = await db.Projects.FirstOrDefaultAsync(p => p.Id == membership.SourceId, ct);
            if (project is not null)
            {
                groupIds.AddRange((await access.ChainAsync(project.NamespaceId, ct)).Where(n => n.Type == Namespace.GroupType).Select(n => n.Id));
            }
        }
        else
        {
            groupIds.AddRange((await access.ChainAsync(membership.SourceId, ct)).Select(n => n.Id));
        }

        return await db.Users
            .Where(u => u.UserType == UserTypes.Human && u.State == UserStates.Active
                && db.Members.Any(m => m.UserId == u.Id && m.AccessLevel >= AccessLevels.Maintainer
                    && ((m.SourceType == Member.ProjectSource && projectIds.Contains(m.SourceId)) || (m.SourceType == Member.NamespaceSource && groupIds.Contains(m.SourceId)))))
            .OrderBy(u => u.Id)
            .ToListAsync(ct);
    }

    private async Task SendMailAsync(List<User> recipients, string subject, string body, CancellationToken ct)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync(Channels.SmtpHost!, Channels.SmtpPort, Channels.SmtpSecurity, ct);
        if (Channels.SmtpUsername is { } user)
        {
            await smtp.AuthenticateAsync(user, Channels.SmtpPassword ?? string.Empty, ct);
        }

        foreach (var recipient in recipients)
        {
            using var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse(Channels.From));
            message.To.Add(new MailboxAddress(recipient.Name, recipient.Email));
            message.Subject = subject;
            message.Body = new TextPart("plain") { Text = body };
            await smtp.SendAsync(message, ct);
        }

        await smtp.DisconnectAsync(quit: true, ct);
    }

    private async Task PostHookAsync(Uri url, JsonObject payload, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(payload) };
        request.Headers.Add("X-Gitlab-Event", "Resource Access Token Hook");
        if (Channels.WebhookSecret is { } secret)
        {
            request.Headers.Add("X-Gitlab-Token", secret);
        }

        using var response = await http.CreateClient("webhooks").SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>GitLab's <c>access_token</c> hook body, with the project or group it belongs to.</summary>
    private async Task<JsonObject> HookPayloadAsync(PersonalAccessToken token, Member membership, CancellationToken ct)
    {
        static string HookTime(DateTime t) => t.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
        var payload = new JsonObject { ["object_kind"] = "access_token" };
        if (membership.SourceType == Member.ProjectSource)
        {
            var project = await db.Projects.FirstAsync(p => p.Id == membership.SourceId, ct);
            var nsPath = await access.FullPathAsync(project.NamespaceId, ct);
            payload["project"] = new JsonObject
            {
                ["id"] = project.Id,
                ["name"] = project.Name,
                ["path_with_namespace"] = $"{nsPath}/{project.Path}",
                ["web_url"] = $"{externalUrl.Base}/{nsPath}/{project.Path}",
            };
        }
        else
        {
            var group = await db.Namespaces.FirstAsync(n => n.Id == membership.SourceId, ct);
            payload["group"] = new JsonObject
            {
                ["group_name"] = group.Name,
                ["group_path"] = group.Path,
                ["group_id"] = group.Id,
                ["full_path"] = await access.FullPathAsync(group.Id, ct),
            };
        }

        payload["object_attributes"] = new JsonObject
        {
            ["user_id"] = token.UserId,
            ["created_at"] = HookTime(token.CreatedAt),
            ["id"] = token.Id,
            ["name"] = token.Name,
            ["expires_at"] = token.ExpiresAt!.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["last_used_at"] = token.LastUsedAt is { } used ? HookTime(used) : null,
        };
        payload["event_name"] = "expiring_access_token";
        return payload;
    }

    private async Task RetryAsync(Func<Task> attempt, CancellationToken ct)
    {
        var delay = Channels.RetryDelay;
        for (var i = 1; ; i++)
        {
            try
            {
                await attempt();
                return;
            }
            catch (Exception e) when (i < Channels.Attempts && e is not OperationCanceledException)
            {
                LogRetry(logger, e.Message, i, delay);
                await Task.Delay(delay, ct);
                delay *= 2;
            }
        }
    }

    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Sent the {Notice} expiry notice for token {TokenId}")]
    private static partial void LogSent(ILogger logger, string notice, long tokenId);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Could not deliver the {Notice} expiry notice for token {TokenId}; the next run tries again")]
    private static partial void LogFailed(ILogger logger, Exception e, string notice, long tokenId);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Delivery failed ({Error}), attempt {Attempt}; retrying in {Delay}")]
    private static partial void LogRetry(ILogger logger, string error, int attempt, TimeSpan delay);
}
