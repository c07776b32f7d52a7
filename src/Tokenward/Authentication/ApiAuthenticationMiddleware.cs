using Microsoft.EntityFrameworkCore;
using Tokenward.Api;
using Tokenward.ApiLog;
using Tokenward.Audit;
using Tokenward.AuthBans;
using Tokenward.Core.Authentication;
using Tokenward.Hosting;
using Tokenward.PersonalAccessTokens;
using Tokenward.Storage;

namespace Tokenward.Authentication;

/// <summary>
/// Authenticates every <c>/api/v4</c> request as GitLab does, before its endpoint runs: finds the
/// token, applies the rules with the endpoint's accepted scopes (<see cref="ApiAccess"/>), and
/// records why a known token was refused for <c>api_json.log</c>.
/// </summary>
public sealed class ApiAuthenticationMiddleware(RequestDelegate next, TokenwardSettings settings)
{
    private static readonly string[] SudoScopes = [Scopes.Sudo];

    private const string TokenClass = "PersonalAccessToken";

    /// <summary>Tokenward's <c>meta.auth_fail_reason</c> for a request refused because its address is banned.</summary>
    private const string BannedReason = "ip_banned";
    private const string BlockedMessage = "Your account has been blocked. Please contact your administrator if you think this is an error.";
    private const string DeactivatedMessage = "Your account has been deactivated by your administrator. Please contact your administrator to reactivate it.";

    public async Task InvokeAsync(HttpContext context, TokenAuthenticator authenticator, FailedAuthBans bans, TokenwardDb db, ActorContext actor)
    {
        var log = ApiLogFacts.Of(context);
        var ip = context.Connection.RemoteIpAddress is { } remote && remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : context.Connection.RemoteIpAddress;
        if (ip is not null && bans.ActiveBan(ip) is not null)
        {
            log.AuthFailReason = BannedReason;
            throw ApiException.Banned();
        }

        var endpoint = context.GetEndpoint();
        if (endpoint is null)
        {
            await next(context);
            return;
        }

        // Routing's stand-in for a known path with another method; GitLab answers it before authentication.
        if (endpoint.DisplayName == "405 HTTP Method Not Supported")
        {
            throw ApiException.MethodNotAllowed();
        }

        var access = endpoint.Metadata.GetMetadata<ApiAccess>() ?? ApiAccess.DefaultFor(context.Request.Method);
        var current = new CurrentRequest();
        context.Features.Set(current);

        var presented = PresentedToken.From(context.Request);
        if (presented is null)
        {
            if (!access.Anonymous)
            {
                throw ApiException.Unauthorized();
            }

            await next(context);
            return;
        }

        var ct = context.RequestAborted;
        var token = await authenticator.FindAsync(db, presented.Value, ct);
        if (token is null)
        {
            log.AuthFailTokenType = "unknown";
            log.AuthFailHeaderType = presented.HeaderType;
            throw Refuse(ApiException.Unauthorized(), ip, bans, log);
        }

        var scopes = token.ScopeList();
        var failure = authenticator.Check(token, scopes, access.AcceptedScopes);
        if (failure is { } reason)
        {
            RecordFailure(log, token, reason, access.AcceptedScopes, presented);
            if (reason == AuthFailReason.TokenRevoked && endpoint.Metadata.GetMetadata<RotationEndpoint>() is not null)
            {
                // A revoked token presented to rotate: a client's retry just after its rotation,
                // or else a leak, and then the whole family goes.
                actor.Current = new Actor(token.UserId, token.User!.Username, token.Id, ip?.ToString());
                var service = context.RequestServices.GetRequiredService<PersonalAccessTokenService>();
                if (await service.ReusedForRotationAsync(token, ct) == RotationReuse.Retry)
                {
                    // Still a revoked token presented: it counts towards the address's ban like any other.
                    throw Refuse(ApiException.BadRequest(TokenAlreadyRevokedException.Text), ip, bans, log);
                }
            }

            var refusal = reason switch
            {
                AuthFailReason.TokenExpired => ApiException.InvalidToken("Token is expired. You can either do re-authorization or token refresh."),
                AuthFailReason.TokenRevoked => ApiException.InvalidToken("Token was revoked. You have to re-authorize from the user."),
                AuthFailReason.ImpersonationDisabled => ApiException.InvalidToken("Token is an impersonation token but impersonation was disabled."),
                AuthFailReason.InsufficientScope => ApiException.InsufficientScope(access.AcceptedScopes),
                AuthFailReason.UserDeactivated => ApiException.Forbidden(DeactivatedMessage),
                _ => ApiException.Forbidden(BlockedMessage),
            };
            throw refusal.Status == StatusCodes.Status401Unauthorized ? Refuse(refusal, ip, bans, log) : refusal;
        }

        if (ip is not null)
        {
            bans.RecordSuccess(ip);
        }

        await authenticator.RecordUseAsync(db, token, context.Connection.RemoteIpAddress, ct);
        var user = token.User!;
        if (Sudo(context.Request) is { } sudo)
        {
            if (sudo.Contains('\0', StringComparison.Ordinal))
            {
                throw ApiException.InvalidParameter("sudo is invalid");
            }

            user = await SudoAsync(sudo, token, scopes, presented, log, db, ct);
        }

        current.User = user;
        current.Token = token;
        current.TokenScopes = scopes;
        // With admin mode on, an admin's token acts as an admin only if it carries admin_mode.
        current.IsAdmin = user.Admin && (!settings.AdminMode || scopes.Contains(Scopes.AdminMode));
        log.UserId = user.Id;
        log.Username = user.Username;
        actor.Current = Actor.Of(context);

        if (access.AdminOnly && !current.IsAdmin)
        {
            throw ApiException.Forbidden();
        }

        await next(context);
    }

    /// <summary>
    /// A failed authentication counts towards the address's ban; once the address is banned
    /// the answer is the ban's, even for a request that was already under way.
    /// </summary>
    private static ApiException Refuse(ApiException refusal, System.Net.IPAddress? ip, FailedAuthBans bans, ApiLogFacts log)
    {
        if (ip is null || bans.RecordFailure(ip) != FailureOutcome.AlreadyBanned)
        {
            return refusal;
        }

        log.AuthFailReason = BannedReason;
        return ApiException.Banned();
    }

    /// <summary>GitLab's <c>Sudo</c> header or <c>sudo</c> parameter: a user id or username.</summary>
    private static string? Sudo(HttpRequest request) =>
        request.Headers.TryGetValue("Sudo", out var h) && h.Count > 0 && !string.IsNullOrWhiteSpace(h[0]) ? h[0]!.Trim()
        : request.Query.TryGetValue("sudo", out var q) && q.Count > 0 && !string.IsNullOrWhiteSpace(q[0]) ? q[0]!.Trim()
        : null;

    /// <summary>Acts as another user: only admins, only with a <c>sudo</c>-scoped token, as GitLab's <c>sudo!</c>.</summary>
    private static async Task<User> SudoAsync(string identifier, PersonalAccessToken token, IReadOnlyList<string> scopes, PresentedToken presented, ApiLogFacts log, TokenwardDb db, CancellationToken ct)
    {
        if (!token.User!.Admin)
        {
            throw ApiException.Forbidden("Must be admin to use sudo");
        }

        if (!scopes.Contains(Scopes.Sudo))
        {
            RecordFailure(log, token, AuthFailReason.InsufficientScope, SudoScopes, presented);
            throw ApiException.InsufficientScope(SudoScopes);
        }

        var target = long.TryParse(identifier, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
            ? await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct)
            : await db.Users.FirstOrDefaultAsync(u => u.Username.ToLower() == identifier.ToLowerInvariant(), ct);
        return target ?? throw ApiException.NotFound($"User with ID or username '{identifier}'");
    }

    private static void RecordFailure(ApiLogFacts log, PersonalAccessToken token, AuthFailReason reason, IReadOnlyList<string> requested, PresentedToken presented)
    {
        log.AuthFailReason = reason.LogName();
        log.AuthFailTokenId = $"{TokenClass}/{token.Id}";
        log.AuthFailTokenType = TokenClass;
        log.AuthFailHeaderType = presented.HeaderType;
        log.AuthFailRequestedScopes = string.Join(' ', requested);
        log.AuthFailUser = token.User!.Username;
    }
}
