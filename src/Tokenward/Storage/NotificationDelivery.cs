namespace Tokenward.Storage;

/// <summary>
/// A row of <c>notification_deliveries</c>: one expiry notice (<see cref="Notice"/>, for the token's
/// <see cref="ExpiresAt"/>) to one recipient over one channel, with where it stands. Unique per
/// (token, expiry, notice, channel, recipient), so planning twice, or from two processes, makes
/// it once; marked sent only after the SMTP server accepted it or the webhook answered 2xx.
/// </summary>
public sealed class NotificationDelivery
{
    public const string Email = "email";
    public const string Webhook = "webhook";

    /// <summary>Waiting for its first attempt.</summary>
    public const string Due = "due";

    /// <summary>Attempted and refused; tried again from <see cref="NextAttemptAt"/>.</summary>
    public const string Failed = "failed";

    public const string Sent = "sent";

    /// <summary>No longer to send: the token was revoked, extended or its owner blocked, or the notice's days passed.</summary>
    public const string Cancelled = "cancelled";

    public static readonly string[] States = [Due, Failed, Sent, Cancelled];

    public long Id { get; set; }

    public long PersonalAccessTokenId { get; set; }

    public DateOnly ExpiresAt { get; set; }

    public required string Notice { get; set; }

    public required string Channel { get; set; }

    /// <summary>An e-mail address, or a webhook URL.</summary>
    public required string Recipient { get; set; }

    public required string State { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }

    /// <summary>For a leak notice: where the token was found, as the reporter said.</summary>
    public string? Detail { get; set; }

    public DateTime NextAttemptAt { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? SentAt { get; set; }

    /// <summary>
    /// The same for every attempt of this delivery, and no other's: receivers that keep it drop a
    /// repeat after a crash between "accepted" and "marked". It holds a hash of what the delivery
    /// is (token, expiry, notice, recipient), so a restored database reusing an id, or another
    /// installation, never makes a new notice look like an old one.
    /// </summary>
    public string IdempotencyKey
    {
        get
        {
            var what = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
                $"{PersonalAccessTokenId}/{ExpiresAt:yyyy-MM-dd}/{Notice}/{Channel}/{Recipient}/{CreatedAt:yyyy-MM-ddTHH:mm:ss.fff}"));
            return $"tokenward-notice-{Id}-{Convert.ToHexStringLower(what.AsSpan(0, 8))}";
        }
    }
}
