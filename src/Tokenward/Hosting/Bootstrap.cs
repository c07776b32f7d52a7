using Microsoft.EntityFrameworkCore;
using Tokenward.Authentication;
using Tokenward.PersonalAccessTokens;
using Tokenward.Storage;

namespace Tokenward.Hosting;

/// <summary>
/// First start of an empty database: the admin <c>root</c> (id 1) and its first token, either the
/// value of <c>TOKENWARD_INITIAL_ROOT_TOKEN</c> or a generated one that is printed this once.
/// </summary>
public static class Bootstrap
{
    /// <returns>Whether root was created now, and its generated token when one was made and must be shown.</returns>
    public static async Task<(bool Created, string? Token)> EnsureRootAsync(TokenwardDb db, PersonalAccessTokenService tokens, TokenwardSettings settings, TimeProvider clock, CancellationToken ct)
    {
        if (await db.Users.AnyAsync(ct))
        {
            return (false, null);
        }

        var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        var root = new User
        {
            Id = 1,
            Username = "root",
            Email = "admin@example.com",
            Name = "Administrator",
            Admin = true,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Users.Add(root);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another process bootstrapped the same database at the same moment.
            return (false, null);
        }

        db.Entry(root).State = EntityState.Detached;
        // Root is inserted with id 1; later users must not collide.
        await settings.Database.Storage.ResetIdentityAsync(db.Database, "users", ct);

        var (_, plaintext) = await tokens.CreateAsync(
            new NewToken(root.Id, "Initial root token", [Scopes.Api, Scopes.Sudo], ExplicitValue: settings.InitialRootToken),
            ct);
        return (true, settings.InitialRootToken is null ? plaintext : null);
    }
}
