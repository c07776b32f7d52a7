using System.Globalization;
using System.Text.Json.Nodes;
using Tokenward.Api;
using Tokenward.Storage;

namespace Tokenward.Notifications;

/// <summary><c>GET /admin/notifications</c>: the recorded deliveries of expiry notices, newest first, with GitLab's pagination.</summary>
public static class NotificationsEndpoints
{
    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/admin/notifications", List).AdminOnly(ApiAccess.Read).WithTags("Notifications")
            .WithSummary("Tokenward: expiry notice deliveries (state=due|failed|sent|cancelled, channel=email|webhook, token_id) (admin)");

    private static async Task<IResult> List(HttpContext context, TokenwardDb db)
    {
        var p = await ApiParams.ReadAsync(context);
        IQueryable<NotificationDelivery> query = db.NotificationDeliveries;
        if (p.OneOf("state", NotificationDelivery.States) is { } state)
        {
            query = query.Where(d => d.State == state);
        }

        if (p.OneOf("channel", NotificationDelivery.Email, NotificationDelivery.Webhook) is { } channel)
        {
            query = query.Where(d => d.Channel == channel);
        }

        if (p.Long("token_id") is { } tokenId)
        {
            query = query.Where(d => d.PersonalAccessTokenId == tokenId);
        }

        var page = await Pagination.PageAsync(query.OrderByDescending(d => d.Id), p, context, context.RequestAborted);
        return Results.Content(new JsonArray(page.Select(d => (JsonNode)Json(d)).ToArray()).ToJsonString(), "application/json");
    }

    public static JsonObject Json(NotificationDelivery d)
    {
        static string? Time(DateTime? t) => t is { } utc ? Api.GitLabJson.FormatTime(DateTime.SpecifyKind(utc, DateTimeKind.Utc)) : null;
        return new JsonObject
        {
            ["id"] = d.Id == 0 ? null : d.Id,
            // A cliff notice is about a day, not a token.
            ["token_id"] = d.PersonalAccessTokenId == CliffNotices.NoToken ? null : d.PersonalAccessTokenId,
            ["notice"] = d.Notice,
            ["expires_at"] = d.ExpiresAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["channel"] = d.Channel,
            ["recipient"] = d.Channel == NotificationDelivery.Webhook ? WebhookSender.Masked(d.Recipient) : d.Recipient,
            ["state"] = d.State,
            ["attempts"] = d.Attempts,
            ["last_error"] = d.LastError,
            ["next_attempt_at"] = d.State is NotificationDelivery.Due or NotificationDelivery.Failed ? Time(d.NextAttemptAt) : null,
            ["created_at"] = Time(d.CreatedAt),
            ["sent_at"] = Time(d.SentAt),
        };
    }
}
