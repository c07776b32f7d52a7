namespace Tokenward.Storage;

/// <summary>A row of <c>token_expiry_backfills</c>: this token's expiry was set by the backfill, to this date.</summary>
public sealed class TokenExpiryBackfill
{
    public long PersonalAccessTokenId { get; set; }

    public DateOnly ExpiresAt { get; set; }

    public DateTime CreatedAt { get; set; }
}
