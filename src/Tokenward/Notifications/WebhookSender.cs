using System.Security.Cryptography;
using System.Text;
using Polly.CircuitBreaker;
using Tokenward.Hosting;
using Tokenward.Members;
using Tokenward.Storage;

namespace Tokenward.Notifications;

/// <summary>
/// The webhook channel: GitLab's <c>access_token</c> hook for project and group tokens, one POST
/// per delivery with GitLab's headers and an <c>Idempotency-Key</c> fixed by the delivery (a
/// repeat after a crash between the 2xx and our record carries the same key). The HTTP client
/// retries a transient failure once and breaks the circuit to a URL that keeps failing
/// (<c>Microsoft.Extensions.Http.Resilience</c>); then that URL's deliveries wait, said once.
/// </summary>
public sealed class WebhookSender(
    TokenwardDb db, Access access, DeliveryLedger ledger, CliffNotices cliffs, IHttpClientFactory http, TokenwardSettings settings, ExternalUrl externalUrl, ILogger<WebhookSender> logger)
    : IDeliverySender
{
    public const string ClientName = "webhooks";

    private NotificationSettings Channels => settings.Notifications;

    public async Task<Dictionary<string, int>> SendDueAsync(CancellationToken ct)
    {
        var sent = Notice.Counts();
        var configured = Channels.WebhookUrls.Select(u => u.ToString()).ToHashSet(StringComparer.Ordinal);
        var client = http.CreateClient(ClientName);
        var broken = new HashSet<string>(StringComparer.Ordinal);
        while (await ledger.DueAsync(NotificationDelivery.Webhook, ct) is { Count: > 0 } batch)
        {
            foreach (var delivery in batch)
            {
                var refusal = configured.Contains(delivery.Recipient) ? null : "the webhook URL is no longer configured";
                var payload = await PayloadIfDueAsync(delivery, refusal, ct);
                if (payload is null || broken.Contains(delivery.Recipient))
                {
                    continue;
                }

                try
                {
                    using var request = Request(delivery, payload);
                    using var response = await client.SendAsync(request, ct);
                    if (!response.IsSuccessStatusCode)
                    {
                        await ledger.MarkFailedAsync(delivery, $"{(int)response.StatusCode} {response.ReasonPhrase}");
                        continue;
                    }
                }
                catch (BrokenCircuitException e)
                {
                    // The URL failed again and again: its deliveries wait, unattempted, said once.
                    broken.Add(delivery.Recipient);
                    var until = ledger.RetryAt(1);
                    var waiting = await ledger.PostponeAsync(NotificationDelivery.Webhook, delivery.Recipient, until, $"webhook failing, circuit open: {e.Message}");
                    logger.WebhookCircuitOpen(Masked(delivery.Recipient), waiting, until);
                    continue;
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    // Whatever went wrong with this one (the network, a timeout, a payload that could
                    // not be built): it is tried again later, and the others go on.
                    await ledger.MarkFailedAsync(delivery, e.Message);
                    continue;
                }

                await ledger.MarkSentAsync(delivery);
                sent[delivery.Notice]++;
            }
        }

        return sent;
    }

    /// <summary>The body of a delivery still to be sent; null when it was cancelled instead.</summary>
    private async Task<System.Text.Json.Nodes.JsonObject?> PayloadIfDueAsync(NotificationDelivery delivery, string? refusal, CancellationToken ct)
    {
        if (Notice.Of(delivery.Notice).IsCliff)
        {
            if (refusal is not null)
            {
                await ledger.CancelAsync(delivery, refusal);
                return null;
            }

            return (await cliffs.IfDueAsync(delivery, ledger, ct))?.Payload(delivery.Notice, externalUrl.Base);
        }

        if (await ledger.SubjectIfDueAsync(delivery, refusal, ct) is not { } subject)
        {
            return null;
        }

        var payload = await HookPayload.BuildAsync(db, access, subject, delivery.Notice, externalUrl.Base, ct);
        if (delivery.Notice == Notice.Leaked.Name)
        {
            payload["location"] = delivery.Detail;
        }

        return payload;
    }

    private HttpRequestMessage Request(NotificationDelivery delivery, System.Text.Json.Nodes.JsonObject payload)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, delivery.Recipient) { Content = JsonContent.Create(payload) };
        request.Headers.Add("X-Gitlab-Event", delivery.PersonalAccessTokenId == CliffNotices.NoToken ? "Expiry Cliff Hook" : "Resource Access Token Hook");
        request.Headers.Add("Idempotency-Key", IdempotencyKey(delivery));
        request.Headers.Add("X-Gitlab-Webhook-UUID", Guid.NewGuid().ToString());
        request.Headers.Add("X-Gitlab-Event-UUID", Guid.NewGuid().ToString());
        request.Headers.Add("User-Agent", "Tokenward");
        if (externalUrl.Base.Length > 0)
        {
            request.Headers.Add("X-Gitlab-Instance", externalUrl.Base);
        }

        if (Channels.WebhookSecret is { } secret)
        {
            request.Headers.Add("X-Gitlab-Token", secret.Replace("\n", string.Empty, StringComparison.Ordinal).Replace("\r", string.Empty, StringComparison.Ordinal));
        }

        return request;
    }

    /// <summary>
    /// A webhook URL as shown to people (the admin API, the CLI, the log): its path past the first
    /// segment, its query and any user-info hidden, since hook URLs often carry their secret there
    /// (<c>https://hooks.slack.com/services/***</c>).
    /// </summary>
    public static string Masked(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return "***";
        }

        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var shown = segments.Length == 0 ? "/" : segments.Length == 1 && uri.Query.Length == 0 ? $"/{segments[0]}" : $"/{segments[0]}/***";
        return $"{uri.Scheme}://{uri.Authority}{shown}";
    }

    /// <summary>A UUID, as GitLab sends, but the same for every attempt of one delivery.</summary>
    public static string IdempotencyKey(NotificationDelivery d)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(d.IdempotencyKey));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }
}
