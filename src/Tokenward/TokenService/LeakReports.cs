using System.Text.Json;
using Tokenward.Api;
using Tokenward.Audit;
using Tokenward.Members;
using Tokenward.Notifications;
using Tokenward.PersonalAccessTokens;
using Tokenward.Storage;

namespace Tokenward.TokenService;

/// <summary>
/// <c>POST /api/v4/token_leaks</c>: a secret scanner (or anyone holding the <c>report_leaks</c>
/// scope) reports token values found in the wild, as GitHub's credential revocation API and
/// GitLab's secret-detection revocation take them. Every one that is not revoked yet is revoked
/// (expired or blocked ones too: the value is out), its owner (or, for a project or group token,
/// the resource's Maintainers and Owners) is told by e-mail and webhook where it was found, and
/// the report is audited. The answer is the same whatever the values were, so a report tells its
/// sender nothing about which ever existed.
/// </summary>
public sealed class LeakReports(TokenByValue tokens, PersonalAccessTokenService service, TokenwardDb db, Access access, AuditLog audit,
    ActorContext actor, Hosting.TokenwardSettings settings, NoticeNudge nudge, TimeProvider clock)
{
    /// <summary>The <c>revocation_source</c> of the audit events.</summary>
    public const string Source = "leak_report";

    /// <summary>As GitHub's revocation API: at most this many values per report.</summary>
    public const int MaxPerReport = 1000;

    public static void Map(IEndpointRouteBuilder v4) =>
        v4.MapPost("/token_leaks", async (HttpContext context, LeakReports reports, CancellationToken ct) =>
        {
            var entries = await ReadAsync(context, ct);
            await reports.ReportAsync(entries);
            return Results.Json(new { received = entries.Count }, statusCode: StatusCodes.Status202Accepted);
        })
        .WithAccess(new ApiAccess([Core.Tokens.Scopes.ReportLeaks]));

    /// <summary>Revokes what is found, plans its notices and audits the report.</summary>
    /// <returns>How many tokens this report revoked (for the audit and the CLI, never for the reporter).</returns>
    /// <remarks>Not cancellable: once begun, a report runs to its end (and is audited) even if the reporter stops waiting.</remarks>
    public async Task<int> ReportAsync(IReadOnlyList<LeakEntry> entries)
    {
        var ct = CancellationToken.None;
        var revoked = new List<object>();
        foreach (var entry in entries)
        {
            if (await tokens.FindAsync(entry.Token, ct) is not { Token.Revoked: false } found)
            {
                continue;
            }

            // The revocation and its notices commit together: no revoked token without its notice.
            var now = clock.GetUtcNow().UtcDateTime;
            var done = await audit.InTransactionAsync(
                async () => await service.RevokeAsync(found.Token.Id, Source, ct) && await PlanNoticesAsync(found.Token.Id, entry.Location, now, ct),
                ct);
            if (done)
            {
                revoked.Add(new { token_id = found.Token.Id, kind = found.Kind, location = entry.Location });
            }
        }

        await audit.RecordAsync(actor.Current, "Instance", 0, "token_leak_reported", null, null,
            new { received = entries.Count, revoked_count = revoked.Count, revoked }, ct);
        if (revoked.Count > 0)
        {
            nudge.Nudge();
        }

        return revoked.Count;
    }

    private async Task<bool> PlanNoticesAsync(long tokenId, string? location, DateTime now, CancellationToken ct)
    {
        if (await NoticeSubject.LoadAsync(db, access, tokenId, ct) is not { } subject)
        {
            return true;
        }

        var channels = settings.Notifications;
        var deliveries = new List<(string Channel, string Recipient)>();
        if (channels.SmtpHost is not null)
        {
            deliveries.AddRange((await subject.MailRecipientsAsync(db, access, ct)).Distinct(StringComparer.OrdinalIgnoreCase).Select(r => (NotificationDelivery.Email, r)));
        }

        deliveries.AddRange(channels.WebhookUrls.Select(u => u.ToString()).Distinct(StringComparer.Ordinal).Select(u => (NotificationDelivery.Webhook, u)));
        foreach (var (channel, recipient) in deliveries)
        {
            db.NotificationDeliveries.Add(new NotificationDelivery
            {
                PersonalAccessTokenId = tokenId,
                // The key's date: a token without one has none to key by.
                ExpiresAt = subject.Token.ExpiresAt ?? DateOnly.MaxValue,
                Notice = Notice.Leaked.Name,
                Channel = channel,
                Recipient = recipient,
                State = NotificationDelivery.Due,
                NextAttemptAt = now,
                CreatedAt = now,
                Detail = location,
            });
        }

        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary><c>{"tokens":[{"token":"...","location":"..."}],"location":"..."}</c>; a top-level location applies to entries without one.</summary>
    private static async Task<List<LeakEntry>> ReadAsync(HttpContext context, CancellationToken ct)
    {
        JsonDocument body;
        try
        {
            body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: ct);
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"the body is not JSON: {e.Message}");
        }

        using (body)
        {
            var root = body.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("tokens", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
            {
                throw ApiException.InvalidParameter("tokens is missing");
            }

            if (list.GetArrayLength() > MaxPerReport)
            {
                throw ApiException.InvalidParameter($"tokens must have at most {MaxPerReport} elements");
            }

            var shared = Location(root);
            var entries = new List<LeakEntry>(list.GetArrayLength());
            foreach (var item in list.EnumerateArray())
            {
                var value = item.ValueKind == JsonValueKind.String ? item.GetString()
                    : item.ValueKind == JsonValueKind.Object && item.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()
                    : null;
                if (string.IsNullOrWhiteSpace(value))
                {
                    throw ApiException.InvalidParameter("tokens[token] is missing");
                }

                entries.Add(new LeakEntry(value.Trim(), (item.ValueKind == JsonValueKind.Object ? Location(item) : null) ?? shared));
            }

            return entries;
        }
    }

    private static string? Location(JsonElement element)
    {
        if (!element.TryGetProperty("location", out var location) || location.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var text = location.ValueKind == JsonValueKind.String ? location.GetString()! : throw ApiException.InvalidParameter("location is invalid");
        return text.Length <= 2048 ? text : throw ApiException.InvalidParameter("location is too long (maximum is 2048 characters)");
    }
}

/// <param name="Location">Where it was found: a URL, a path, a description.</param>
public sealed record LeakEntry(string Token, string? Location);
