using System.Text.Json.Serialization;
using Tokenward.Api;
using Tokenward.ApiLog;
using Tokenward.Authentication;
using Tokenward.Core.Authentication;

namespace Tokenward.TokenService;

/// <summary>
/// <c>POST /oauth/introspect</c> (RFC 7662): a service holding a token asks whether it is active
/// and whose it is. The caller authenticates with a token of its own that has the <c>introspect</c>
/// scope, as any API caller does or as HTTP Basic's password (RFC 7662's client authentication);
/// no client registry: the token is the client, revocable and expiring like any other. Anything
/// not active is <c>{"active": false}</c> whatever the reason (§2.2); the reason goes to the
/// request's <c>api_json.log</c> line (<c>meta.auth_fail_reason</c>). It does not count towards
/// the caller's ban: a service relays the tokens its own clients present.
/// </summary>
public static class IntrospectionEndpoint
{
    public const string Path = "/oauth/introspect";

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost(Path, async (HttpContext context, TokenByValue tokens, TokenAuthenticator authenticator, Storage.TokenwardDb db, CancellationToken ct) =>
        {
            var value = (await ApiParams.ReadAsync(context)).RequiredString("token");
            context.Response.Headers.CacheControl = "no-store";
            var log = ApiLogFacts.Of(context);
            var found = await tokens.FindAsync(value, ct);
            if (found is null)
            {
                log.AuthFailReason = ApiLogMiddleware.UnknownTokenReason;
                return Results.Ok(Inactive);
            }

            var token = found.Token;
            if (tokens.Inactive(found) is { } reason)
            {
                log.AuthFailReason = reason.LogName();
                log.AuthFailTokenId = $"PersonalAccessToken/{token.Id}";
                log.AuthFailUser = token.User!.Username;
                return Results.Ok(Inactive);
            }

            // In use at a service: as good a sign of life as a call to the API (the end client's address is not known here).
            await authenticator.RecordUseAsync(db, token, null, ct);
            var user = token.User!;
            return Results.Ok(
                new IntrospectionJson(true)
                {
                    Scope = string.Join(' ', token.ScopeList()),
                    TokenType = "Bearer",
                    Exp = token.ExpiresAt is { } expires ? new DateTimeOffset(expires.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeSeconds() : null,
                    Iat = new DateTimeOffset(token.CreatedAt, TimeSpan.Zero).ToUnixTimeSeconds(),
                    Sub = user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Username = user.Username,
                    UserId = user.Id,
                    TokenId = token.Id,
                    Kind = found.Kind,
                    ProjectId = found.Resource is { Kind: "project" } project ? project.Id : null,
                    GroupId = found.Resource is { Kind: "group" } group ? group.Id : null,
                });
        })
        .WithAccess(new ApiAccess([Core.Tokens.Scopes.Introspect]))
        .WithMetadata(new TokenServiceEndpoint(ForwardedRequest: false, AllowBasic: true, LogSuccesses: true))
        .ExcludeFromDescription();

    private static readonly IntrospectionJson Inactive = new(false);
}

/// <summary>RFC 7662's answer; <c>exp</c> is the start (UTC) of the expiry date, when the token stops working.</summary>
public sealed record IntrospectionJson(bool Active)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Scope { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Username { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TokenType { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Exp { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Iat { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Sub { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? UserId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? TokenId { get; init; }

    /// <summary><c>personal_access_token</c>, <c>impersonation_token</c>, <c>project_access_token</c> or <c>group_access_token</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Kind { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ProjectId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? GroupId { get; init; }
}
