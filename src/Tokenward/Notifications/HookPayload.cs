using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Tokenward.Members;
using Tokenward.Storage;

namespace Tokenward.Notifications;

/// <summary>
/// GitLab's <c>access_token</c> hook body (<c>Gitlab::DataBuilder::ResourceAccessTokenPayload</c>):
/// the project as its <c>hook_attrs</c> or the group as its, the token's attributes (with
/// <c>last_used_at</c>), the event name and the notice's interval; and Tokenward's <c>rotate_url</c>,
/// the web UI's page where the token is rotated, which GitLab's hook lacks.
/// </summary>
public static class HookPayload
{
    public static async Task<JsonObject> BuildAsync(TokenwardDb db, Access access, NoticeSubject subject, string notice, string baseUrl, CancellationToken ct)
    {
        var token = subject.Token;
        var membership = subject.Membership;
        var payload = new JsonObject { ["object_kind"] = "access_token" };
        if (membership is null)
        {
            // A personal or impersonation token (only a leak notice goes out for one): its owner.
            payload["user"] = new JsonObject { ["id"] = subject.Owner.Id, ["username"] = subject.Owner.Username, ["name"] = subject.Owner.Name };
        }
        else if (membership.SourceType == Member.ProjectSource)
        {
            var project = await db.Projects.FirstAsync(p => p.Id == membership.SourceId, ct);
            var ns = await db.Namespaces.FirstAsync(n => n.Id == project.NamespaceId, ct);
            var path = subject.ResourcePath!;
            var web = $"{baseUrl}/{path}";
            var host = Uri.TryCreate(baseUrl, UriKind.Absolute, out var b) ? b.Host : "localhost";
            // As in the payloads GitLab's docs and issues show, beside the object.
            payload["project_id"] = project.Id;
            payload["project"] = new JsonObject
            {
                ["id"] = project.Id,
                ["name"] = project.Name,
                ["description"] = string.Empty,
                ["web_url"] = web,
                ["avatar_url"] = null,
                ["git_ssh_url"] = $"git@{host}:{path}.git",
                ["git_http_url"] = $"{web}.git",
                ["namespace"] = ns.Name,
                ["visibility_level"] = 0,
                ["path_with_namespace"] = path,
                ["default_branch"] = null,
                ["ci_config_path"] = null,
                ["homepage"] = web,
                ["url"] = $"git@{host}:{path}.git",
                ["ssh_url"] = $"git@{host}:{path}.git",
                ["http_url"] = $"{web}.git",
            };
        }
        else
        {
            var group = await db.Namespaces.FirstAsync(n => n.Id == membership.SourceId, ct);
            payload["group_id"] = group.Id;
            payload["group"] = new JsonObject
            {
                ["group_name"] = group.Name,
                ["group_path"] = group.Path,
                ["group_id"] = group.Id,
                ["full_path"] = subject.ResourcePath,
            };
        }

        payload["object_attributes"] = new JsonObject
        {
            ["user_id"] = token.UserId,
            ["created_at"] = Toolkit.SeedLines.RubyTime(token.CreatedAt),
            ["id"] = token.Id,
            ["name"] = token.Name,
            ["expires_at"] = token.ExpiresAt?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["last_used_at"] = token.LastUsedAt is { } used ? Toolkit.SeedLines.RubyTime(used) : null,
        };
        payload["rotate_url"] = subject.RotateAt(baseUrl);
        if (notice == Notice.Leaked.Name)
        {
            // Tokenward's own event (GitLab's hook has only the expiry one); the sender adds "location".
            payload["event_name"] = "leaked_access_token_revoked";
            return payload;
        }

        payload["event_name"] = "expiring_access_token";
        payload["interval"] = notice switch
        {
            "60d" => "sixty_days",
            "30d" => "thirty_days",
            _ => "seven_days",
        };
        return payload;
    }
}
