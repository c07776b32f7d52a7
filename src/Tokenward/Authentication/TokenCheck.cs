using Tokenward.Api;
using Tokenward.ApiLog;
using Tokenward.AuthBans;
using Tokenward.Core.Authentication;
using Tokenward.Storage;

namespace Tokenward.Authentication;

/// <summary>
/// What every token check of a request does, in GitLab's order: find the token (the digest, the
/// cache), apply <see cref="TokenAuthenticator.Check"/> with the accepted scopes, record why it
/// failed for <c>api_json.log</c>, answer GitLab's refusal (counted towards the address's ban), or
/// record the success and the use. The API's scheme (<see cref="TokenAuthenticationHandler"/>) and
/// the proxies' check (<see cref="TokenService.AuthRequestEndpoint"/>) both go through here.
/// </summary>
public sealed class TokenCheck(TokenAuthenticator authenticator, FailedAuthBans bans)
{
    private const string TokenClass = "PersonalAccessToken";

    private const string BlockedMessage = "Your account has been blocked. Please contact your administrator if you think this is an error.";
    private const string DeactivatedMessage = "Your account has been deactivated by your administrator. Please contact your administrator to reactivate it.";

    /// <param name="whenRevoked">Asked first about a revoked token: a refusal of its own (still counted towards the ban), or null for GitLab's.</param>
    /// <param name="db">A database context, asked for only when the cache does not know the token or a use is to be written.</param>
    public async ValueTask<TokenCheckResult> CheckAsync(HttpContext context, PresentedToken presented, IReadOnlyList<string> accepted,
        Func<PersonalAccessToken, Task<ApiException?>>? whenRevoked, Func<TokenwardDb> db, CancellationToken ct)
    {
        var log = ApiLogFacts.Of(context);
        var ip = ClientAddress.Of(context);
        var token = await authenticator.FindAsync(db, presented.Value, ct);
        if (token is null)
        {
            log.AuthFailTokenType = "unknown";
            log.AuthFailHeaderType = presented.HeaderType;
            return new(null, [], await RefusalAsync(ApiException.Unauthorized(), ip, log));
        }

        var scopes = token.ScopeList();
        if (authenticator.Check(token, scopes, accepted) is { } reason)
        {
            RecordFailure(log, token, reason, accepted, presented);
            if (reason == AuthFailReason.TokenRevoked && whenRevoked is not null && await whenRevoked(token) is { } own)
            {
                return new(token, scopes, await RefusalAsync(own, ip, log));
            }

            var refusal = reason switch
            {
                AuthFailReason.TokenExpired => ApiException.InvalidToken("Token is expired. You can either do re-authorization or token refresh."),
                AuthFailReason.TokenRevoked => ApiException.InvalidToken("Token was revoked. You have to re-authorize from the user."),
                AuthFailReason.ImpersonationDisabled => ApiException.InvalidToken("Token is an impersonation token but impersonation was disabled."),
                AuthFailReason.InsufficientScope => ApiException.InsufficientScope(accepted),
                AuthFailReason.UserDeactivated => ApiException.Forbidden(DeactivatedMessage),
                _ => ApiException.Forbidden(BlockedMessage),
            };
            return new(token, scopes, refusal.Status == StatusCodes.Status401Unauthorized ? await RefusalAsync(refusal, ip, log) : refusal);
        }

        if (ip is not null)
        {
            bans.RecordSuccess(ip);
        }

        await authenticator.RecordUseAsync(db, token, context.Connection.RemoteIpAddress, ct);
        return new(token, scopes, null);
    }

    /// <summary>Records why a known token was refused, as GitLab's <c>meta.auth_fail_*</c> keys.</summary>
    public static void RecordFailure(ApiLogFacts log, PersonalAccessToken token, AuthFailReason reason, IReadOnlyList<string> requested, PresentedToken presented)
    {
        log.AuthFailReason = reason.LogName();
        log.AuthFailTokenId = $"{TokenClass}/{token.Id}";
        log.AuthFailTokenType = TokenClass;
        log.AuthFailHeaderType = presented.HeaderType;
        log.AuthFailRequestedScopes = string.Join(' ', requested);
        log.AuthFailUser = token.User!.Username;
    }

    /// <summary>
    /// A failed authentication counts towards the address's ban; once the address is banned
    /// the answer is the ban's, even for a request that was already under way.
    /// </summary>
    private async ValueTask<ApiException> RefusalAsync(ApiException refusal, System.Net.IPAddress? ip, ApiLogFacts log)
    {
        if (ip is null || await bans.RecordFailureAsync(ip) != FailureOutcome.AlreadyBanned)
        {
            return refusal;
        }

        log.AuthFailReason = ApiGateMiddleware.BannedReason;
        return ApiException.Banned();
    }
}

/// <summary>The token (when one was found), its scopes, and GitLab's refusal when it may not pass.</summary>
public readonly record struct TokenCheckResult(PersonalAccessToken? Token, IReadOnlyList<string> Scopes, ApiException? Refusal);
