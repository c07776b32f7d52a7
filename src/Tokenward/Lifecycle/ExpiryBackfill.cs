using Microsoft.EntityFrameworkCore;
using Tokenward.Audit;
using Tokenward.Authentication;
using Tokenward.Storage;

namespace Tokenward.Lifecycle;

/// <summary>
/// GitLab 16.0's expiry backfill and GitLab 17.3's revert of it. The backfill gives every active
/// token without an expiry one a year after a date, and records in <c>token_expiry_backfills</c>
/// which tokens it set and to what; the revert clears exactly those expiries still at the recorded
/// date (never one changed since, and never one already past, which would bring an expired token
/// back). Each runs as one transaction of set-based statements and writes one audit event.
/// </summary>
public sealed class ExpiryBackfill(TokenwardDb db, AuthCache cache, AuditLog audit, ActorContext actor, TimeProvider clock)
{
    public async Task<BackfillResult> BackfillAsync(DateOnly from, bool dryRun, CancellationToken ct)
    {
        var expiresAt = from.AddYears(1);
        var candidates = db.PersonalAccessTokens.Where(t => !t.Revoked && t.ExpiresAt == null);
        var counts = await TokenKindCounts.CountAsync(db, candidates, ct);
        var result = new BackfillResult(dryRun, expiresAt, counts, 0, null);
        if (dryRun || result.Total == 0)
        {
            return result;
        }

        var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        await audit.InTransactionAsync(async () =>
        {
            // A record left from an earlier backfill of a token whose expiry was later removed is replaced.
            await db.TokenExpiryBackfills
                .Where(b => db.PersonalAccessTokens.Any(t => t.Id == b.PersonalAccessTokenId && !t.Revoked && t.ExpiresAt == null))
                .ExecuteDeleteAsync(ct);
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"INSERT INTO token_expiry_backfills (personal_access_token_id, expires_at, created_at) SELECT id, {expiresAt}, {now} FROM personal_access_tokens WHERE revoked = {false} AND expires_at IS NULL",
                ct);
            var updated = await db.PersonalAccessTokens.Where(t => !t.Revoked && t.ExpiresAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, expiresAt).SetProperty(t => t.UpdatedAt, now), ct);
            await audit.RecordAsync(actor.Current, "Instance", 0, "expiry_backfill", null, null,
                new { from, expires_at = expiresAt, tokens = updated, per_kind = counts, before = new { expires_at = (DateOnly?)null }, after = new { expires_at = expiresAt } }, ct);
        }, ct);

        cache.Clear();
        return result;
    }

    public async Task<BackfillResult> RevertAsync(bool dryRun, CancellationToken ct)
    {
        var today = TokenStates.Today(clock);
        var unchanged = db.PersonalAccessTokens.Where(t => db.TokenExpiryBackfills.Any(b => b.PersonalAccessTokenId == t.Id && b.ExpiresAt == t.ExpiresAt));
        // Clearing an expired token's date would make it usable again.
        var revertible = unchanged.Where(TokenStates.NotExpired<PersonalAccessToken>(today));
        var counts = await TokenKindCounts.CountAsync(db, revertible, ct);
        var skipped = await unchanged.Where(TokenStates.Expired<PersonalAccessToken>(today)).CountAsync(ct);
        var result = new BackfillResult(dryRun, null, counts, skipped, skipped > 0 ? "already expired: clearing their expiry would make them usable again" : null);
        if (dryRun || result.Total == 0)
        {
            return result;
        }

        var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        await audit.InTransactionAsync(async () =>
        {
            var ids = db.PersonalAccessTokens
                .Where(t => db.TokenExpiryBackfills.Any(b => b.PersonalAccessTokenId == t.Id && b.ExpiresAt == t.ExpiresAt))
                .Where(TokenStates.NotExpired<PersonalAccessToken>(today))
                .Select(t => t.Id);
            var reverted = await db.PersonalAccessTokens.Where(t => ids.Contains(t.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, (DateOnly?)null).SetProperty(t => t.UpdatedAt, now), ct);
            await db.TokenExpiryBackfills.Where(b => db.PersonalAccessTokens.Any(t => t.Id == b.PersonalAccessTokenId && t.ExpiresAt == null))
                .ExecuteDeleteAsync(ct);
            await audit.RecordAsync(actor.Current, "Instance", 0, "expiry_backfill_reverted", null, null,
                new { tokens = reverted, per_kind = counts, skipped_expired = skipped, after = new { expires_at = (DateOnly?)null } }, ct);
        }, ct);

        cache.Clear();
        return result;
    }
}
