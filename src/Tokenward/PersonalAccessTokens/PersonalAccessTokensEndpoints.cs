using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Tokenward.Api;
using Tokenward.Authentication;
using Tokenward.Storage;

namespace Tokenward.PersonalAccessTokens;

/// <summary>
/// GitLab's personal access token API: <c>/personal_access_tokens</c>, <c>/self</c>, and creation
/// under <c>/users/:user_id</c> (admins) and <c>/user</c> (limited scopes).
/// </summary>
public static class PersonalAccessTokensEndpoints
{
    private static readonly string[] RequiredForCreate = ["name", "scopes"];

    public static void Map(RouteGroupBuilder api)
    {
        var tokens = api.MapGroup("/personal_access_tokens").WithTags("Personal access tokens");
        tokens.MapGet("/", List).WithSummary("List personal access tokens (admins: all, others: their own)");
        tokens.MapGet("/self", GetSelf).Accepts(ApiAccess.AnyScope).WithSummary("The token used for this request");
        tokens.MapDelete("/self", RevokeSelf).Accepts(ApiAccess.AnyScope).WithSummary("Revoke the token used for this request");
        tokens.MapPost("/self/rotate", RotateSelf).Accepts([Scopes.Api, Scopes.SelfRotate]).WithMetadata(RotationEndpoint.Instance)
            .WithSummary("Rotate the token used for this request (api or self_rotate)");
        tokens.MapPost("/{id}/rotate", Rotate).WithMetadata(RotationEndpoint.Instance).WithSummary("Rotate a personal access token (owner or admin)");
        tokens.MapGet("/{id}", Get).WithSummary("One personal access token");
        tokens.MapDelete("/{id}", Revoke).WithSummary("Revoke a personal access token");

        api.MapPost("/users/{user_id}/personal_access_tokens", CreateForUser)
            .AdminOnly(ApiAccess.Write).WithTags("Personal access tokens").WithSummary("Create a personal access token for a user (admin)");
        api.MapPost("/user/personal_access_tokens", CreateForSelf)
            .WithTags("Personal access tokens").WithSummary("Create a personal access token with limited scopes for yourself");
    }

    private static async Task<IResult> List(HttpContext context, TokenwardDb db, TimeProvider clock)
    {
        var current = CurrentRequest.Of(context);
        var user = current.RequireUser();
        var p = await ApiParams.ReadAsync(context);
        var ct = context.RequestAborted;
        // GitLab: an admin's blank user_id names no user (404); for others a blank one is no filter.
        var blankUserId = p.String("user_id") is { Length: 0 };
        var userId = blankUserId ? null : p.Long("user_id");
        if (current.IsAdmin)
        {
            if (blankUserId || (userId is { } id && !await db.Users.AnyAsync(u => u.Id == id, ct)))
            {
                throw ApiException.NotFoundUnnamed();
            }
        }
        else if (userId is { } other && other != user.Id)
        {
            throw ApiException.Unauthorized();
        }

        var filter = new TokenFilter
        {
            UserId = current.IsAdmin ? userId : user.Id,
            Impersonation = current.IsAdmin ? null : false,
            Revoked = p.Bool("revoked"),
            Active = p.OneOf("state", "active", "inactive") is { } state ? state == "active" : null,
            CreatedBefore = p.Time("created_before"),
            CreatedAfter = p.Time("created_after"),
            LastUsedBefore = p.Time("last_used_before"),
            LastUsedAfter = p.Time("last_used_after"),
            ExpiresBefore = p.Date("expires_before"),
            ExpiresFrom = p.Date("expires_after"),
            Search = p.String("search"),
        };
        var sort = p.OneOf("sort", PersonalAccessTokenFinder.Sorts);
        var today = TokenStates.Today(clock);
        var page = await Pagination.PageAsync(PersonalAccessTokenFinder.Find(db.PersonalAccessTokens, filter, sort, today), p, context, ct);
        return TypedResults.Ok(page.Select(t => TokenJson.From(t, today)));
    }

    private static Ok<TokenJson> GetSelf(HttpContext context, TimeProvider clock)
    {
        var token = CurrentRequest.Of(context).Token!;
        return TypedResults.Ok(TokenJson.From(token, TokenStates.Today(clock)).WithLastUsedIps(token));
    }

    private static async Task<IResult> RevokeSelf(HttpContext context, PersonalAccessTokenService service)
    {
        await service.RevokeAsync(CurrentRequest.Of(context).Token!.Id, context.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> RotateSelf(HttpContext context, PersonalAccessTokenService service, TimeProvider clock)
    {
        var p = await ApiParams.ReadAsync(context);
        // A bot's token stays a resource token here too: PersonalAccessTokenService applies its resource's rules.
        var (token, plaintext) = await service.RotateAsync(CurrentRequest.Of(context).Token!.Id, p.Date("expires_at"), GracePeriodParam.Read(p), context.RequestAborted);
        return TypedResults.Ok(TokenJson.From(token, TokenStates.Today(clock)) with { Token = plaintext });
    }

    private static async Task<IResult> Rotate(string id, HttpContext context, TokenwardDb db, PersonalAccessTokenService service, TimeProvider clock)
    {
        var p = await ApiParams.ReadAsync(context);
        var expiresAt = p.Date("expires_at");
        var grace = GracePeriodParam.Read(p);
        var current = CurrentRequest.Of(context);
        var user = current.RequireUser();
        var tokenId = ParseId(id, "id");
        var token = await db.PersonalAccessTokens.FirstOrDefaultAsync(t => t.Id == tokenId, context.RequestAborted);
        // As GitLab: only admins learn that a token is not there; others get 401 for what is not theirs.
        if (token is null || (!current.IsAdmin && (token.UserId != user.Id || token.Impersonation)))
        {
            throw current.IsAdmin ? ApiException.NotFoundUnnamed() : ApiException.Unauthorized();
        }

        var (rotated, plaintext) = await service.RotateAsync(token.Id, expiresAt, grace, context.RequestAborted);
        return TypedResults.Ok(TokenJson.From(rotated, TokenStates.Today(clock)) with { Token = plaintext });
    }

    private static async Task<IResult> Get(string id, HttpContext context, TokenwardDb db, TimeProvider clock)
    {
        var token = await FindVisibleAsync(id, context, db);
        return TypedResults.Ok(TokenJson.From(token, TokenStates.Today(clock)).WithLastUsedIps(token));
    }

    private static async Task<IResult> Revoke(string id, HttpContext context, TokenwardDb db, PersonalAccessTokenService service)
    {
        var current = CurrentRequest.Of(context);
        var user = current.RequireUser();
        var tokenId = ParseId(id, "id");
        var token = await db.PersonalAccessTokens.FirstOrDefaultAsync(t => t.Id == tokenId, context.RequestAborted)
            ?? throw ApiException.NotFound();

        // GitLab answers a token you may not revoke with a bare 400, not 403, so as not to confirm it exists.
        if (!current.IsAdmin && (token.UserId != user.Id || token.Impersonation))
        {
            throw ApiException.BadRequest();
        }

        await service.RevokeAsync(token.Id, context.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> CreateForUser(string user_id, HttpContext context, TokenwardDb db, PersonalAccessTokenService service, TimeProvider clock)
    {
        var userId = ParseId(user_id, "user_id");
        var p = await ApiParams.ReadAsync(context);
        var request = ReadNewToken(p, userId);
        if (!await db.Users.AnyAsync(u => u.Id == userId, context.RequestAborted))
        {
            throw ApiException.NotFound("User");
        }

        return await CreateAsync(request, service, clock, context.RequestAborted);
    }

    private static async Task<IResult> CreateForSelf(HttpContext context, PersonalAccessTokenService service, TimeProvider clock)
    {
        var user = CurrentRequest.Of(context).RequireUser();
        var p = await ApiParams.ReadAsync(context);
        var request = ReadNewToken(p, user.Id);
        if (request.Scopes.Any(s => !Scopes.SelfServiceAllowed.Contains(s)))
        {
            throw ApiException.InvalidParameter("scopes does not have a valid value");
        }

        // GitLab lets a bot mint these for itself; PersonalAccessTokenService keeps them within its resource tokens' life.
        return await CreateAsync(request, service, clock, context.RequestAborted);
    }

    /// <summary>Reads <c>name</c>, <c>scopes</c>, <c>expires_at</c> and <c>description</c>, with GitLab's 400s for missing or unknown values.</summary>
    internal static NewToken ReadNewToken(ApiParams p, long userId, Func<string, bool>? scopeAllowed = null)
    {
        var missing = RequiredForCreate.Where(n => p.String(n) is not { Length: > 0 }).ToList();
        if (missing.Count > 0)
        {
            throw ApiException.InvalidParameter(string.Join(", ", missing.Select(n => $"{n} is missing")));
        }

        var scopes = p.List("scopes")!;
        if (scopes.Any(s => !(scopeAllowed ?? Scopes.IsKnown)(s)))
        {
            throw ApiException.InvalidParameter("scopes does not have a valid value");
        }

        return new NewToken(userId, p.RequiredString("name"), scopes, p.Date("expires_at"), p.String("description"));
    }

    private static async Task<IResult> CreateAsync(NewToken request, PersonalAccessTokenService service, TimeProvider clock, CancellationToken ct)
    {
        var (token, plaintext) = await service.CreateAsync(request, ct);
        return TypedResults.Created(
            $"/api/v4/personal_access_tokens/{token.Id}",
            TokenJson.From(token, TokenStates.Today(clock)) with { Token = plaintext });
    }

    /// <summary>A token the caller may see: admins any (404 when missing), others their own non-impersonation tokens (401 otherwise, hiding existence).</summary>
    private static async Task<PersonalAccessToken> FindVisibleAsync(string id, HttpContext context, TokenwardDb db)
    {
        var current = CurrentRequest.Of(context);
        var user = current.RequireUser();
        var tokenId = ParseId(id, "id");
        var token = await db.PersonalAccessTokens.FirstOrDefaultAsync(t => t.Id == tokenId, context.RequestAborted);
        if (current.IsAdmin)
        {
            return token ?? throw ApiException.NotFoundUnnamed();
        }

        return token is not null && token.UserId == user.Id && !token.Impersonation ? token : throw ApiException.Unauthorized();
    }

    internal static long ParseId(string value, string name) =>
        long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : throw ApiException.InvalidParameter($"{name} is invalid");
}
