using Microsoft.EntityFrameworkCore;
using Tokenward.Api;
using Tokenward.Authentication;
using Tokenward.Core.Authorization;
using Tokenward.Core.Tokens;
using Tokenward.Members;
using Tokenward.PersonalAccessTokens;

namespace Tokenward.ResourceAccessTokens;

/// <summary>GitLab's <c>/projects/:id/access_tokens</c> and <c>/groups/:id/access_tokens</c>.</summary>
public static class ResourceAccessTokensEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        foreach (var kind in new[] { "projects", "groups" })
        {
            var tokens = api.MapGroup($"/{kind}/{{id}}/access_tokens").WithTags(kind == "projects" ? "Project access tokens" : "Group access tokens");
            tokens.MapGet("/", (string id, HttpContext c, Access a, ResourceAccessTokenService s, TimeProvider clock) => ListAsync(kind, id, c, a, s, clock))
                .WithSummary($"Access tokens of a {kind[..^1]}");
            tokens.MapPost("/", (string id, HttpContext c, Access a, ResourceAccessTokenService s, TimeProvider clock) => CreateAsync(kind, id, c, a, s, clock))
                .WithSummary($"Create a {kind[..^1]} access token (a bot member with a token)");
            tokens.MapGet("/{token_id}", (string id, string token_id, HttpContext c, Access a, ResourceAccessTokenService s, TimeProvider clock) => GetAsync(kind, id, token_id, c, a, s, clock))
                .WithSummary($"One {kind[..^1]} access token");
            tokens.MapPost("/{token_id}/rotate", (string id, string token_id, HttpContext c, Access a, ResourceAccessTokenService s, TimeProvider clock) => RotateAsync(kind, id, token_id, c, a, s, clock))
                .WithMetadata(RotationEndpoint.Instance).WithSummary($"Rotate a {kind[..^1]} access token");
            tokens.MapDelete("/{token_id}", (string id, string token_id, HttpContext c, Access a, ResourceAccessTokenService s, TimeProvider clock) => RevokeAsync(kind, id, token_id, c, a, s, clock))
                .WithSummary($"Revoke a {kind[..^1]} access token");
        }
    }

    private static async Task<ResourceRef> ManagedAsync(string kind, string id, HttpContext context, Access access)
    {
        var resource = await ResourceRef.ResolveAsync(kind, id, CurrentRequest.Of(context), access, context.RequestAborted);
        return resource.CallerLevel >= resource.ManageLevel ? resource : throw ApiException.Forbidden();
    }

    private static async Task<IResult> ListAsync(string kind, string id, HttpContext context, Access access, ResourceAccessTokenService service, TimeProvider clock)
    {
        var resource = await ManagedAsync(kind, id, context, access);
        var p = await ApiParams.ReadAsync(context);
        var state = p.OneOf("state", "active", "inactive");
        var today = TokenExpiry.Today(clock);
        var query = service.TokensOf(resource);
        query = state switch
        {
            "active" => query.Where(x => !x.Token.Revoked && (x.Token.ExpiresAt == null || x.Token.ExpiresAt > today)),
            "inactive" => query.Where(x => x.Token.Revoked || (x.Token.ExpiresAt != null && x.Token.ExpiresAt <= today)),
            _ => query,
        };
        var page = await Pagination.PageAsync(query.OrderBy(x => x.Token.Id), p, context, context.RequestAborted);
        return TypedResults.Ok(page.Select(x => Json(x, resource, today)));
    }

    private static async Task<IResult> CreateAsync(string kind, string id, HttpContext context, Access access, ResourceAccessTokenService service, TimeProvider clock)
    {
        var current = CurrentRequest.Of(context);
        var resource = await ManagedAsync(kind, id, context, access);
        var p = await ApiParams.ReadAsync(context);
        var request = PersonalAccessTokensEndpoints.ReadNewToken(p, 0, ResourceTokenScopes.IsAllowed);
        var level = p.Int("access_level") ?? AccessLevels.Maintainer;
        if (!AccessLevels.IsValid(level))
        {
            throw ApiException.InvalidParameter("access_level does not have a valid value");
        }

        // Nobody hands out more access than they have.
        if (!current.IsAdmin && level > resource.CallerLevel)
        {
            throw ApiException.Invalid("access_level", $"cannot be higher than your own access level ({resource.CallerLevel})");
        }

        var (token, plaintext) = await service.CreateAsync(resource, request, level, context.RequestAborted);
        var today = TokenExpiry.Today(clock);
        return TypedResults.Created(
            $"/api/v4/{kind}/{resource.Id}/access_tokens/{token.Id}",
            Json(new TokenWithLevel { Token = token, AccessLevel = level }, resource, today) with { Token = plaintext });
    }

    private static async Task<IResult> GetAsync(string kind, string id, string tokenId, HttpContext context, Access access, ResourceAccessTokenService service, TimeProvider clock)
    {
        var resource = await ManagedAsync(kind, id, context, access);
        var found = await FindAsync(resource, tokenId, service, context.RequestAborted);
        return TypedResults.Ok(Json(found, resource, TokenExpiry.Today(clock)));
    }

    private static async Task<IResult> RevokeAsync(string kind, string id, string tokenId, HttpContext context, Access access, ResourceAccessTokenService service, TimeProvider clock)
    {
        var resource = await ManagedAsync(kind, id, context, access);
        var found = await FindAsync(resource, tokenId, service, context.RequestAborted);
        await service.RevokeAsync(resource, found.Token, context.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> RotateAsync(string kind, string id, string tokenId, HttpContext context, Access access, ResourceAccessTokenService service, TimeProvider clock)
    {
        var resource = await ManagedAsync(kind, id, context, access);
        var p = await ApiParams.ReadAsync(context);
        var expiresAt = p.Date("expires_at");
        var found = await FindAsync(resource, tokenId, service, context.RequestAborted);
        var (token, plaintext) = await service.RotateAsync(resource, found.Token, expiresAt, context.RequestAborted);
        return TypedResults.Ok(Json(new TokenWithLevel { Token = token, AccessLevel = found.AccessLevel }, resource, TokenExpiry.Today(clock)) with { Token = plaintext });
    }

    private static async Task<TokenWithLevel> FindAsync(ResourceRef resource, string tokenValue, ResourceAccessTokenService service, CancellationToken ct)
    {
        var tokenId = PersonalAccessTokensEndpoints.ParseId(tokenValue, "token_id");
        return await service.TokensOf(resource).FirstOrDefaultAsync(x => x.Token.Id == tokenId, ct)
            ?? throw ApiException.NotFound("Token");
    }

    private static TokenJson Json(TokenWithLevel x, ResourceRef resource, DateOnly today) =>
        TokenJson.From(x.Token, today) with { AccessLevel = x.AccessLevel, ResourceType = resource.Kind, ResourceId = resource.Id };
}
