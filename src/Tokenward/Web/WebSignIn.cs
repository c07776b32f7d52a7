using System.Net;
using Microsoft.EntityFrameworkCore;
using Tokenward.Audit;
using Tokenward.AuthBans;
using Tokenward.Authentication;
using Tokenward.Core.Authentication;
using Tokenward.Storage;
using Tokenward.Users;

namespace Tokenward.Web;

/// <summary>
/// Checks a sign-in to the web UI, with a password or with one of the user's personal access
/// tokens (<c>read_user</c> or <c>api</c>). A failure counts towards the address's
/// failed-authentication ban, as a bad API token does, and is logged with its reason.
/// </summary>
public sealed class WebSignIn(TokenwardDb db, TokenAuthenticator authenticator, FailedAuthBans bans, SignInLockout lockout, AuditLog audit, ILogger<WebSignIn> logger)
{
    public const string InvalidLogin = "Invalid login or password.";
    public const string Blocked = "Your account has been blocked. Please contact your administrator if you think this is an error.";
    public const string BannedMessage = "Too many failed sign-in attempts from your address. Try again later.";

    private static readonly string[] SignInScopes = [Scopes.ReadUser, Scopes.Api];

    /// <summary>Hashed once: an unknown login costs a verification too, so timing does not tell which logins exist.</summary>
    private static readonly Lazy<User> Nobody = new(() =>
    {
        var user = new User { Username = string.Empty, Email = string.Empty, Name = string.Empty };
        user.EncryptedPassword = Passwords.Hash(user, Guid.NewGuid().ToString());
        return user;
    });

    /// <param name="User">The user signed in, or null.</param>
    /// <param name="Error">What the form says when it failed.</param>
    /// <param name="Banned">Whether the address is banned (answered 403).</param>
    public sealed record Outcome(User? User, long? TokenId, string? Error, bool Banned);

    public bool IsBanned(IPAddress? ip) => ip is not null && bans.ActiveBan(ip) is not null;

    public async Task<Outcome> WithPasswordAsync(string login, string password, IPAddress? ip, CancellationToken ct)
    {
        if (IsBanned(ip))
        {
            return new(null, null, BannedMessage, true);
        }

        var lower = login.Trim().ToLowerInvariant();
        var user = lower.Length == 0 ? null : await db.Users.FirstOrDefaultAsync(u => u.Username.ToLower() == lower || u.Email.ToLower() == lower, ct);
        if (user is not null && lockout.IsLocked(user))
        {
            return await FailureAsync(ip, login, WebSession.PasswordMethod, "account_locked", SignInLockout.LockedMessage);
        }

        var passwordOk = Passwords.Verify(user is { EncryptedPassword: not null } ? user : Nobody.Value, password) && user is not null;
        if (!passwordOk)
        {
            var reason = user is null ? "unknown_user" : user.EncryptedPassword is null ? "no_password" : "invalid_password";
            var locked = user is not null && await lockout.FailedAsync(user.Id, ct);
            return await FailureAsync(ip, login, WebSession.PasswordMethod, locked ? "invalid_password, account locked" : reason, locked ? SignInLockout.LockedMessage : InvalidLogin);
        }

        await lockout.SucceededAsync(user!, ct);
        return await SucceededAsync(user!, null, WebSession.PasswordMethod, login, ip, ct);
    }

    public async Task<Outcome> WithTokenAsync(string value, IPAddress? ip, CancellationToken ct)
    {
        if (IsBanned(ip))
        {
            return new(null, null, BannedMessage, true);
        }

        var token = await authenticator.FindAsync(db, value.Trim(), ct);
        if (token is null)
        {
            return await FailureAsync(ip, "(unknown token)", WebSession.TokenMethod, "token_unknown", "Invalid token.");
        }

        var login = token.User!.Username;
        if (token.Impersonation || token.User.IsBot)
        {
            // Impersonation tokens and resource tokens are for the API; the UI is a person's.
            return await FailureAsync(ip, login, WebSession.TokenMethod, token.Impersonation ? "impersonation_token" : "bot_token", "Invalid token.");
        }

        if (authenticator.Check(token, token.ScopeList(), SignInScopes) is { } reason)
        {
            var message = reason switch
            {
                AuthFailReason.TokenExpired => "This token has expired.",
                AuthFailReason.TokenRevoked => "This token was revoked.",
                AuthFailReason.InsufficientScope => "This token needs the read_user or api scope to sign in.",
                _ => Blocked,
            };
            return await FailureAsync(ip, login, WebSession.TokenMethod, reason.LogName(), message);
        }

        return await SucceededAsync(token.User, token.Id, WebSession.TokenMethod, login, ip, ct);
    }

    private async Task<Outcome> SucceededAsync(User user, long? tokenId, string method, string login, IPAddress? ip, CancellationToken ct)
    {
        if (user.State != UserStates.Active || user.IsBot)
        {
            return await FailureAsync(ip, login, method, user.IsBot ? "bot_user" : $"user_{user.State}", Blocked);
        }

        if (ip is not null)
        {
            bans.RecordSuccess(ip);
        }

        var address = ip?.ToString();
        logger.SignedIn(user.Username, address, method);
        await audit.RecordAsync(new Actor(user.Id, user.Username, tokenId, address), "User", user.Id, "user_signed_in", "User", user.Id,
            new { method, token_id = tokenId }, ct);
        return new(user, tokenId, null, false);
    }

    private async Task<Outcome> FailureAsync(IPAddress? ip, string login, string method, string reason, string message)
    {
        var address = ip?.ToString();
        logger.SignInFailed(address, login, method, reason);
        var banned = ip is not null && await bans.RecordFailureAsync(ip) == FailureOutcome.AlreadyBanned;
        return new(null, null, banned ? BannedMessage : message, banned);
    }
}
