namespace Tokenward.Storage;

/// <summary>
/// A row of <c>token_expiry_notifications</c>: this notice (<c>60d</c>, <c>30d</c>, <c>7d</c>,
/// <c>expired</c>) was delivered for this token and this expiry date. Keyed by the date too, so an
/// extended token is notified again for its new date.
/// </summary>
public sealed class TokenExpiryNotification
{
    public long PersonalAccessTokenId { get; set; }

    public required string Notice { get; set; }

    public DateOnly ExpiresAt { get; set; }

    public DateTime SentAt { get; set; }
}
