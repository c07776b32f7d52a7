using Microsoft.EntityFrameworkCore;
using Tokenward.Api;
using Tokenward.Authentication;
using Tokenward.Core.Authorization;
using Tokenward.Members;
using Tokenward.PersonalAccessTokens;

namespace Tokenward.ResourceAccessTokens;

/// <summary>
/// GitLab's <c>/projects/:id/access_tokens</c> and <c>/groups/:id/access_tokens</c>, with GitLab's
/// denials per endpoint (<c>lib/api/resource_access_tokens.rb</c>): reading and rotating without
/// the right is a 401, creating and deleting a 400 that says why; bots may read and delete their
/// resource's tokens but never create or rotate another's.
/// </summary>
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
            tokens.MapPost("/self/rotate", (string id, HttpContext c, Access a, ResourceAccessTokenService s, TimeProvider clock) => RotateSelfAsync(kind, id, c, a, s, clock))
                .Accepts([Scopes.Api, Scopes.SelfRotate]).WithMetadata(RotationEndpoint.Instance)
                .WithSummary($"Rotate the {kind[..^1]} access token used for this request (api or self_rotate)");
            tokens.MapGet("/{token_id}", (string id, string token_id, HttpContext c, Access a, ResourceAccessTokenService s, TimeProvider clock) => GetAsync(kind, id, token_id, c, a, s, clock))
                .WithSummary($"One {kind[..^1]} access token");
            tokens.MapPost("/{token_id}/rotate", (string id, string token_id, HttpContext c, Access a, ResourceAccessTokenService s, TimeProvider clock) => RotateAsync(kind, id, token_id, c, a, s, clock))
                .WithMetadata(RotationEndpoint.Instance).WithSummary($"Rotate a {kind[..^1]} access token");
            tokens.MapDelete("/{token_id}", (string id, string token_id, HttpContext c, Access a, ResourceAccessTokenService s) => RevokeAsync(kind, id, token_id, c, a, s))
                .WithSummary($"Revoke a {kind[..^1]} access token");
        }
    }

    /// <summary>Who may read and delete a resource's tokens: Maintainers of a project, Owners of a group, admins; bots too if their level is enough.</summary>
    private static bool MayManage(ResourceRef resource, CurrentRequest current) =>
        current.IsAdmin || resource.CallerLevel >= resource.ManageLevel;

    /// <summary>Who may create and rotate them: the same, but never a bot (GitLab's policy prevents <c>manage_resource_access_tokens</c> for bots).</summary>
    private static bool MayIssue(ResourceRef resource, CurrentRequest current) =>
        MayManage(resource, current) && !current.RequireUser().IsBot;

    private static Task<ResourceRef> ResolveAsync(string kind, string id, HttpContext context, Access access) =>
        ResourceRef.ResolveAsync(kind, id, CurrentRequest.Of(context), access, context.RequestAborted);

    private static async Task<IResult> ListAsync(string kind, string id, HttpContext context, Access access, ResourceAccessTokenService service, TimeProvider clock)
    {
        var p = await ApiParams.ReadAsync(context);
        var state = p.OneOf("state", "active", "inactive");
        var resource = await ResolveAsync(kind, id, context, access);
        if (!MayManage(resource, CurrentRequest.Of(context)))
        {
            throw ApiException.Unauthorized();
        }

        var today = TokenStates.Today(clock);
        var query = service.TokensOf(resource, new TokenFilter { Active = state is null ? null : state == "active" }, today);
        var page = await Pagination.PageAsync(query.OrderBy(x => x.Token.Id), p, context, context.RequestAborted);
        return TypedResults.Ok(page.Select(x => Json(x, resource, today)));
    }

    private static async Task<IResult> CreateAsync(string kind, string id, HttpContext context, Access access, ResourceAccessTokenService service, TimeProvider clock)
    {
        var current = CurrentRequest.Of(context);
        var p = await ApiParams.ReadAsync(context);
        var request = PersonalAccessTokensEndpoints.ReadNewToken(p, 0, ResourceTokenScopes.IsAllowed);
        var level = p.Int("access_level") ?? AccessLevels.Maintainer;
        if (!AccessLevels.IsValid(level))
        {
            throw ApiException.InvalidParameter("access_level does not have a valid value");
        }

        var resource = await ResolveAsync(kind, id, context, access);
        if (!MayIssue(resource, current))
        {
            throw ApiException.BadRequest($"User does not have permission to create {resource.Kind} access token");
        }

        // Nobody hands out a permission they do not hold.
        if (!current.IsAdmin && !AccessLevels.Encompasses(resource.CallerLevel, level))
        {
            throw ApiException.BadRequest("Access level of the token contains permissions not held by the creating user");
        }

        var (token, plaintext) = await service.CreateAsync(resource, request, level, context.RequestAborted);
        var today = TokenStates.Today(clock);
        return TypedResults.Created(
            $"/api/v4/{kind}/{resource.Id}/access_tokens/{token.Id}",
            Json(new TokenWithLevel { Token = token, AccessLevel = level }, resource, today) with { Token = plaintext });
    }

    private static async Task<IResult> GetAsync(string kind, string id, string tokenId, HttpContext context, Access access, ResourceAccessTokenService service, TimeProvider clock)
    {
        var resource = await ResolveAsync(kind, id, context, access);
        if (!MayManage(resource, CurrentRequest.Of(context)))
        {
            throw ApiException.Unauthorized();
        }

        var found = await FindAsync(resource, tokenId, service, context.RequestAborted) ?? throw NotFound(resource, tokenId);
        return TypedResults.Ok(Json(found, resource, TokenStates.Today(clock)));
    }

    private static async Task<IResult> RevokeAsync(string kind, string id, string tokenId, HttpContext context, Access access, ResourceAccessTokenService service)
    {
        var current = CurrentRequest.Of(context);
        var resource = await ResolveAsync(kind, id, context, access);
        // GitLab looks the token up before the permission, and then says who may not delete what.
        var found = await FindAsync(resource, tokenId, service, context.RequestAborted) ?? throw NotFound(resource, tokenId);
        if (!MayManage(resource, current))
        {
            throw ApiException.BadRequest($"{current.RequireUser().Name} cannot delete {found.BotName}");
        }

        await context.RequestServices.GetRequiredService<PersonalAccessTokenService>().RevokeAsync(found.Token.Id, context.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> RotateAsync(string kind, string id, string tokenId, HttpContext context, Access access, ResourceAccessTokenService service, TimeProvider clock)
    {
        var current = CurrentRequest.Of(context);
        var p = await ApiParams.ReadAsync(context);
        var expiresAt = p.Date("expires_at");
        var grace = GracePeriodParam.Read(p);
        var resource = await ResolveAsync(kind, id, context, access);
        // Without the right, or for a token that is not there, only admins learn which it was.
        var found = MayIssue(resource, current) ? await FindAsync(resource, tokenId, service, context.RequestAborted) : null;
        if (found is null)
        {
            throw current.IsAdmin ? ApiException.NotFoundUnnamed() : ApiException.Unauthorized();
        }

        if (!current.IsAdmin && !AccessLevels.Encompasses(resource.CallerLevel, found.AccessLevel))
        {
            throw ApiException.BadRequest("Not eligible to rotate token with access level higher than the user");
        }

        return await RotatedAsync(found, resource, expiresAt, grace, context, clock);
    }

    /// <summary>A bot rotating its own token through its resource's path (GitLab 17.x's <c>access_tokens/self/rotate</c>).</summary>
    private static async Task<IResult> RotateSelfAsync(string kind, string id, HttpContext context, Access access, ResourceAccessTokenService service, TimeProvider clock)
    {
        var current = CurrentRequest.Of(context);
        if (!current.RequireUser().IsBot)
        {
            throw ApiException.MethodNotAllowed();
        }

        var p = await ApiParams.ReadAsync(context);
        var expiresAt = p.Date("expires_at");
        var grace = GracePeriodParam.Read(p);
        var resource = await ResolveAsync(kind, id, context, access);
        var found = await service.TokensOf(resource).FirstOrDefaultAsync(x => x.Token.Id == current.Token!.Id, context.RequestAborted)
            ?? throw ApiException.Unauthorized();
        return await RotatedAsync(found, resource, expiresAt, grace, context, clock);
    }

    private static async Task<IResult> RotatedAsync(TokenWithLevel found, ResourceRef resource, DateOnly? expiresAt, TimeSpan? grace, HttpContext context, TimeProvider clock)
    {
        var service = context.RequestServices.GetRequiredService<PersonalAccessTokenService>();
        var (token, plaintext) = await service.RotateAsync(found.Token.Id, expiresAt, grace, context.RequestAborted);
        var json = Json(new TokenWithLevel { Token = token, AccessLevel = found.AccessLevel, BotName = found.BotName }, resource, TokenStates.Today(clock));
        return TypedResults.Ok(json with { Token = plaintext });
    }

    /// <summary>The resource's token with that id; GitLab takes the id as a string, so anything else is simply not found.</summary>
    private static async Task<TokenWithLevel?> FindAsync(ResourceRef resource, string tokenValue, ResourceAccessTokenService service, CancellationToken ct) =>
        long.TryParse(tokenValue, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var tokenId)
            ? await service.TokensOf(resource).FirstOrDefaultAsync(x => x.Token.Id == tokenId, ct)
            : null;

    private static ApiException NotFound(ResourceRef resource, string tokenId) =>
        ApiException.NotFound($"Could not find {resource.Kind} access token with token_id: {tokenId}");

    private static TokenJson Json(TokenWithLevel x, ResourceRef resource, DateOnly today) =>
        TokenJson.From(x.Token, today) with { AccessLevel = x.AccessLevel, ResourceType = resource.Kind, ResourceId = resource.Id };
}
