using Microsoft.EntityFrameworkCore;
using Tokenward.Audit;
using Tokenward.Authentication;
using Tokenward.Hosting;
using Tokenward.Storage;

namespace Tokenward.Settings;

/// <summary>
/// Instance settings an admin changes at run time (API and CLI). Stored in <c>application_settings</c>
/// and read from there on each use, so every server and the CLI see a change at once; until the
/// first change, the configured values (<c>TOKENWARD_REQUIRE_TOKEN_EXPIRY</c>, <c>TOKENWARD_MAX_TOKEN_LIFETIME_DAYS</c>) apply.
/// </summary>
public sealed class ApplicationSettings(TokenwardDb db, AuditLog audit, ActorContext actor, TimeProvider clock, TokenwardSettings configured)
{
    public async Task<TokenPolicy> PolicyAsync(CancellationToken ct)
    {
        var row = await db.ApplicationSettings.FirstOrDefaultAsync(s => s.Id == ApplicationSetting.SingletonId, ct);
        return row is null
            ? new TokenPolicy(configured.RequireTokenExpiry, configured.MaxTokenLifetimeDays)
            : new TokenPolicy(row.RequirePersonalAccessTokenExpiry, row.MaxPersonalAccessTokenLifetime);
    }

    /// <summary>Changes what is given, audits the change, and returns the new policy.</summary>
    /// <exception cref="TokenValidationException">when a value is out of range.</exception>
    public async Task<TokenPolicy> UpdateAsync(bool? requireExpiry, int? maxLifetime, CancellationToken ct)
    {
        if (maxLifetime is { } days && days is < 1 or > TokenPolicy.MaxLifetimeCeiling)
        {
            throw new TokenValidationException("max_personal_access_token_lifetime", $"must be between 1 and {TokenPolicy.MaxLifetimeCeiling} days");
        }

        var before = await PolicyAsync(ct);
        var after = new TokenPolicy(requireExpiry ?? before.RequirePersonalAccessTokenExpiry, maxLifetime ?? before.MaxPersonalAccessTokenLifetime);
        if (after == before)
        {
            return after;
        }

        var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        await audit.InTransactionAsync(async () =>
        {
            var row = await db.ApplicationSettings.AsTracking().FirstOrDefaultAsync(s => s.Id == ApplicationSetting.SingletonId, ct);
            if (row is null)
            {
                row = new ApplicationSetting();
                db.ApplicationSettings.Add(row);
            }

            row.RequirePersonalAccessTokenExpiry = after.RequirePersonalAccessTokenExpiry;
            row.MaxPersonalAccessTokenLifetime = after.MaxPersonalAccessTokenLifetime;
            row.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            await audit.RecordAsync(actor.Current, "Instance", 0, "application_setting_updated", null, null, new { before, after }, ct);
        }, ct);
        return after;
    }
}
