using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Tokenward.Api;
using Tokenward.ApiLog;
using Tokenward.Audit;
using Tokenward.Core.Authentication;
using Tokenward.Core.Authorization;
using Tokenward.Hosting;
using Tokenward.PersonalAccessTokens;
using Tokenward.Storage;

namespace Tokenward.Authentication;

/// <summary>
/// GitLab's token authentication as an ASP.NET Core scheme: reads the token where GitLab's API
/// does (<see cref="PresentedToken"/>), finds it (<see cref="TokenAuthenticator"/>), applies
/// <see cref="TokenRules"/> in GitLab's order with the endpoint's scopes (GitLab validates a
/// token's scopes as part of authenticating it, before the owner's state), counts failures
/// towards the address's ban, records why a known token was refused for <c>api_json.log</c>, and
/// acts as the <c>Sudo</c> user. The endpoint's policy (<see cref="ApiAccess"/>) then decides with
/// the claims; a refusal is GitLab's answer, raised by <see cref="ApiAuthorizationResultHandler"/>.
/// </summary>
public sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TokenCheck check,
    TokenwardSettings settings)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private static readonly string[] SudoScopes = [Scopes.Sudo];

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<PersonalAccessToken, ClaimsPrincipal> Principals = [];

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var current = new CurrentRequest();
        Context.Features.Set(current);
        // GitLab reads tokens for its API's endpoints only (and Tokenward for its token service's):
        // not for unknown routes (a JSON 404), nor any other path.
        if (Context.GetEndpoint() is not { } endpoint || endpoint.Metadata.GetMetadata<ApiAccess>() is not { } access)
        {
            return AuthenticateResult.NoResult();
        }

        var service = endpoint.Metadata.GetMetadata<TokenService.TokenServiceEndpoint>();
        var presented = PresentedToken.From(Request, service);
        if (presented is null)
        {
            return AuthenticateResult.NoResult();
        }

        var log = ApiLogFacts.Of(Context);
        var ip = Api.ClientAddress.Of(Context);
        var ct = Context.RequestAborted;
        // A database context only when the cache does not know the token, or a use is to be written.
        TokenwardDb? context = null;
        TokenwardDb Db() => context ??= Context.RequestServices.GetRequiredService<TokenwardDb>();
        var rotation = endpoint.Metadata.GetMetadata<RotationEndpoint>() is not null;
        var result = await check.CheckAsync(Context, presented, access.AcceptedScopes, rotation ? RevokedRotationAsync : null, Db, ct);
        if (result.Refusal is { } refusal)
        {
            return current.Refuse(refusal);
        }

        var token = result.Token!;
        var scopes = result.Scopes;

        // A revoked token presented to rotate: a client's retry just after its rotation, or else
        // a leak, and then the whole family goes.
        async Task<ApiException?> RevokedRotationAsync(PersonalAccessToken revoked)
        {
            Context.RequestServices.GetRequiredService<ActorContext>().Current = new Actor(revoked.UserId, revoked.User!.Username, revoked.Id, ip?.ToString());
            var tokens = Context.RequestServices.GetRequiredService<PersonalAccessTokenService>();
            return await tokens.ReusedForRotationAsync(revoked, ct) == RotationReuse.Retry
                ? ApiException.BadRequest(TokenAlreadyRevokedException.Text)
                : null;
        }

        var user = token.User!;
        if (service is null && Sudo(Request) is { } sudo)
        {
            if (sudo.Contains('\0', StringComparison.Ordinal))
            {
                return current.Refuse(ApiException.InvalidParameter("sudo is invalid"));
            }

            if (!token.User!.Admin)
            {
                return current.Refuse(ApiException.Forbidden("Must be admin to use sudo"));
            }

            if (!scopes.Contains(Scopes.Sudo))
            {
                TokenCheck.RecordFailure(log, token, AuthFailReason.InsufficientScope, SudoScopes, presented);
                return current.Refuse(ApiException.InsufficientScope(SudoScopes));
            }

            var target = await SudoTargetAsync(sudo, Db(), ct);
            if (target is null)
            {
                return current.Refuse(ApiException.NotFound($"User with ID or username '{sudo}'"));
            }

            user = target;
        }

        current.User = user;
        current.Token = token;
        current.TokenScopes = scopes;
        current.IsAdmin = AdminMode.ActsAsAdmin(user.Admin, scopes, settings.AdminMode);
        log.UserId = user.Id;
        log.Username = user.Username;
        log.TokenId = token.Id;
        if (service is null)
        {
            // Who changes what: the token service's endpoints change nothing.
            Context.RequestServices.GetRequiredService<ActorContext>().Current = Actor.Of(Context);
        }

        // A cached token serves many requests: its principal is made once (the cache drops both on any change).
        var principal = user == token.User ? Principals.GetValue(token, t => Principal(t.User!, t, scopes)) : Principal(user, token, scopes);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    /// <summary>For callers that challenge this scheme themselves: GitLab's 401, or the refusal already decided.</summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        throw (Context.Features.Get<CurrentRequest>()?.Refusal ?? ApiException.Unauthorized());

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => throw ApiException.Forbidden();

    private static ClaimsPrincipal Principal(User user, PersonalAccessToken token, IReadOnlyList<string> scopes)
    {
        var claims = new List<Claim>(scopes.Count + 4)
        {
            new(ClaimTypes.NameIdentifier, user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, user.Username),
            new(TokenAuthenticationDefaults.TokenIdClaim, token.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        if (user.Admin)
        {
            claims.Add(new(TokenAuthenticationDefaults.AdminClaim, "true"));
        }

        foreach (var scope in scopes)
        {
            claims.Add(new(TokenAuthenticationDefaults.ScopeClaim, scope));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, TokenAuthenticationDefaults.Scheme));
    }

    /// <summary>GitLab's <c>Sudo</c> header or <c>sudo</c> parameter: a user id or username.</summary>
    private static string? Sudo(HttpRequest request) =>
        request.Headers.TryGetValue("Sudo", out var h) && h.Count > 0 && !string.IsNullOrWhiteSpace(h[0]) ? h[0]!.Trim()
        : request.Query.TryGetValue("sudo", out var q) && q.Count > 0 && !string.IsNullOrWhiteSpace(q[0]) ? q[0]!.Trim()
        : null;

    private static async Task<User?> SudoTargetAsync(string identifier, TokenwardDb db, CancellationToken ct) =>
        long.TryParse(identifier, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
            ? await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct)
            : await db.Users.FirstOrDefaultAsync(u => u.Username.ToLower() == identifier.ToLowerInvariant(), ct);
}
