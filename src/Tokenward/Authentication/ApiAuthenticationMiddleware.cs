using System.Text.Json;
using Tokenward.Api;
using Tokenward.ApiLog;
using Tokenward.Core.Authentication;
using Tokenward.Storage;

namespace Tokenward.Authentication;

/// <summary>
/// Authenticates every <c>/api/v4</c> request as GitLab does, before its endpoint runs: finds the
/// token, applies the rules with the endpoint's accepted scopes (<see cref="ApiAccess"/>), and
/// records why a known token was refused for <c>api_json.log</c>.
/// </summary>
public sealed class ApiAuthenticationMiddleware(RequestDelegate next)
{
    private const string TokenClass = "PersonalAccessToken";
    private const string BlockedMessage = "Your account has been blocked. Please contact your administrator if you think this is an error.";
    private const string DeactivatedMessage = "Your account has been deactivated by your administrator. Please contact your administrator to reactivate it.";

    public async Task InvokeAsync(HttpContext context, TokenAuthenticator authenticator, TokenwardDb db)
    {
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
        var log = ApiLogFacts.Of(context);

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
            throw ApiException.Unauthorized();
        }

        var scopes = JsonSerializer.Deserialize<string[]>(token.Scopes) ?? [];
        var failure = authenticator.Check(token, scopes, access.AcceptedScopes);
        if (failure is { } reason)
        {
            log.AuthFailReason = reason.LogName();
            log.AuthFailTokenId = $"{TokenClass}/{token.Id}";
            log.AuthFailTokenType = TokenClass;
            log.AuthFailHeaderType = presented.HeaderType;
            log.AuthFailRequestedScopes = string.Join(' ', access.AcceptedScopes);
            log.AuthFailUser = token.User!.Username;
            throw reason switch
            {
                AuthFailReason.TokenExpired => ApiException.InvalidToken("Token is expired. You can either do re-authorization or token refresh."),
                AuthFailReason.TokenRevoked => ApiException.InvalidToken("Token was revoked. You have to re-authorize from the user."),
                AuthFailReason.ImpersonationDisabled => ApiException.InvalidToken("Token is an impersonation token but impersonation was disabled."),
                AuthFailReason.InsufficientScope => ApiException.InsufficientScope(access.AcceptedScopes),
                AuthFailReason.UserDeactivated => ApiException.Forbidden(DeactivatedMessage),
                _ => ApiException.Forbidden(BlockedMessage),
            };
        }

        current.User = token.User;
        current.Token = token;
        current.TokenScopes = scopes;
        log.UserId = token.User!.Id;
        log.Username = token.User.Username;
        await authenticator.RecordUseAsync(db, token, context.Connection.RemoteIpAddress, ct);

        if (access.AdminOnly && !token.User.Admin)
        {
            throw ApiException.Forbidden();
        }

        await next(context);
    }
}
