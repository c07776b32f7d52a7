using Microsoft.EntityFrameworkCore;
using Tokenward.Api;
using Tokenward.Storage;

namespace Tokenward.PersonalAccessTokens;

/// <summary>
/// GitLab's impersonation tokens (<c>/users/:user_id/impersonation_tokens</c>): personal access
/// tokens an admin makes to act as a user, flagged <c>impersonation: true</c>. Admins only.
/// </summary>
public static class ImpersonationTokensEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var tokens = api.MapGroup("/users/{user_id}/impersonation_tokens").WithTags("Impersonation tokens");
        tokens.MapGet("/", List).AdminOnly(ApiAccess.Read).WithSummary("A user's impersonation tokens (admin)");
        tokens.MapPost("/", Create).AdminOnly(ApiAccess.Write).WithSummary("Create an impersonation token (admin)");
        tokens.MapGet("/{impersonation_token_id}", Get).AdminOnly(ApiAccess.Read).WithSummary("One impersonation token (admin)");
        tokens.MapPost("/{impersonation_token_id}/rotate", Rotate).AdminOnly(ApiAccess.Write).WithMetadata(RotationEndpoint.Instance)
            .WithSummary("Rotate an impersonation token (admin)");
        tokens.MapDelete("/{impersonation_token_id}", Revoke).AdminOnly(ApiAccess.Write).WithSummary("Revoke an impersonation token (admin)");
    }

    private static async Task<IResult> List(string user_id, HttpContext context, TokenwardDb db, TimeProvider clock)
    {
        var userId = await UserIdAsync(user_id, db, context.RequestAborted);
        var p = await ApiParams.ReadAsync(context);
        var state = p.OneOf("state", "all", "active", "inactive");
        var filter = new TokenFilter { UserId = userId, Impersonation = true, Active = state is null or "all" ? null : state == "active" };
        var today = TokenStates.Today(clock);
        var page = await Pagination.PageAsync(PersonalAccessTokenFinder.Find(db.PersonalAccessTokens, filter, null, today), p, context, context.RequestAborted);
        return TypedResults.Ok(page.Select(t => TokenJson.From(t, today) with { Impersonation = true }));
    }

    private static async Task<IResult> Create(string user_id, HttpContext context, TokenwardDb db, PersonalAccessTokenService service, TimeProvider clock)
    {
        var p = await ApiParams.ReadAsync(context);
        var request = PersonalAccessTokensEndpoints.ReadNewToken(p, 0);
        var userId = await UserIdAsync(user_id, db, context.RequestAborted);
        var (token, plaintext) = await service.CreateAsync(request with { UserId = userId, Impersonation = true }, context.RequestAborted);
        return TypedResults.Created(
            $"/api/v4/users/{userId}/impersonation_tokens/{token.Id}",
            TokenJson.From(token, TokenStates.Today(clock)) with { Impersonation = true, Token = plaintext });
    }

    private static async Task<IResult> Get(string user_id, string impersonation_token_id, HttpContext context, TokenwardDb db, TimeProvider clock)
    {
        var token = await FindAsync(user_id, impersonation_token_id, db, context.RequestAborted);
        return TypedResults.Ok(TokenJson.From(token, TokenStates.Today(clock)) with { Impersonation = true });
    }

    private static async Task<IResult> Revoke(string user_id, string impersonation_token_id, HttpContext context, TokenwardDb db, PersonalAccessTokenService service)
    {
        var token = await FindAsync(user_id, impersonation_token_id, db, context.RequestAborted);
        Preconditions.CheckUnmodifiedSince(context.Request, token.UpdatedAt);
        await service.RevokeAsync(token.Id, context.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Rotate(string user_id, string impersonation_token_id, HttpContext context, TokenwardDb db, PersonalAccessTokenService service, TimeProvider clock)
    {
        var p = await ApiParams.ReadAsync(context);
        var expiresAt = p.Date("expires_at");
        var grace = GracePeriodParam.Read(p);
        var token = await FindAsync(user_id, impersonation_token_id, db, context.RequestAborted);
        var (rotated, plaintext) = await service.RotateAsync(token.Id, expiresAt, grace, context.RequestAborted);
        return TypedResults.Ok(TokenJson.From(rotated, TokenStates.Today(clock)) with { Impersonation = true, Token = plaintext });
    }

    private static async Task<long> UserIdAsync(string value, TokenwardDb db, CancellationToken ct)
    {
        var userId = PersonalAccessTokensEndpoints.ParseId(value, "user_id");
        return await db.Users.AnyAsync(u => u.Id == userId, ct) ? userId : throw ApiException.NotFound("User");
    }

    private static async Task<PersonalAccessToken> FindAsync(string userValue, string tokenValue, TokenwardDb db, CancellationToken ct)
    {
        var userId = await UserIdAsync(userValue, db, ct);
        var tokenId = PersonalAccessTokensEndpoints.ParseId(tokenValue, "impersonation_token_id");
        return await db.PersonalAccessTokens.FirstOrDefaultAsync(t => t.Id == tokenId && t.UserId == userId && t.Impersonation, ct)
            ?? throw ApiException.NotFound("Impersonation Token");
    }
}
