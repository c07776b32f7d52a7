using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Tokenward.Api;
using Tokenward.Authentication;
using Tokenward.Core.Authentication;
using Tokenward.PersonalAccessTokens;
using Tokenward.Storage;

namespace Tokenward.Users;

/// <summary>GitLab's <c>/user</c> and <c>/users</c> endpoints that tokens depend on.</summary>
public static class UsersEndpoints
{
    private static readonly string[] RequiredForCreate = ["email", "name", "username"];

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/user", CurrentUser).Accepts(ApiAccess.ReadUser).WithTags("Users").WithSummary("The authenticated user");
        var users = api.MapGroup("/users").WithTags("Users");
        users.MapGet("/", List).Accepts(ApiAccess.ReadUser).WithSummary("List users");
        users.MapGet("/{id}", Get).Accepts(ApiAccess.ReadUser, anonymous: true).WithSummary("One user (public fields without a token)");
        users.MapPost("/", Create).AdminOnly(ApiAccess.Write).WithSummary("Create a user (admin)");
        users.MapPost("/{id}/block", Block).AdminOnly(ApiAccess.Write).WithSummary("Block a user (admin); their tokens stop working");
        users.MapPost("/{id}/unblock", Unblock).AdminOnly(ApiAccess.Write).WithSummary("Unblock a user (admin)");
        users.MapPost("/{id}/ban", (string id, HttpContext c, TokenwardDb db, AuthCache cache, TimeProvider clock) => SetStateAsync(id, UserStates.Banned, c, db, cache, clock))
            .AdminOnly(ApiAccess.Write).WithSummary("Ban a user (admin); their tokens stop working");
        users.MapPost("/{id}/unban", (string id, HttpContext c, TokenwardDb db, AuthCache cache, TimeProvider clock) => SetStateAsync(id, UserStates.Active, c, db, cache, clock))
            .AdminOnly(ApiAccess.Write).WithSummary("Unban a user (admin)");
        users.MapPost("/{id}/deactivate", (string id, HttpContext c, TokenwardDb db, AuthCache cache, TimeProvider clock) => SetStateAsync(id, UserStates.Deactivated, c, db, cache, clock))
            .AdminOnly(ApiAccess.Write).WithSummary("Deactivate a user (admin); their tokens stop working");
        users.MapPost("/{id}/activate", (string id, HttpContext c, TokenwardDb db, AuthCache cache, TimeProvider clock) => SetStateAsync(id, UserStates.Active, c, db, cache, clock))
            .AdminOnly(ApiAccess.Write).WithSummary("Activate a deactivated user (admin)");
    }

    private static Ok<UserJson> CurrentUser(HttpContext context)
    {
        var current = CurrentRequest.Of(context);
        return TypedResults.Ok(UserJson.From(current.RequireUser(), context.Request, current));
    }

    private static async Task<IResult> List(HttpContext context, TokenwardDb db)
    {
        var current = CurrentRequest.Of(context);
        current.RequireUser();
        var p = await ApiParams.ReadAsync(context);
        IQueryable<User> users = db.Users;
        if (p.String("username") is { } username)
        {
            var lower = username.ToLowerInvariant();
            users = users.Where(u => u.Username.ToLower() == lower);
        }

        if (p.String("search") is { Length: > 0 } search)
        {
            var pattern = LikePattern.Containing(search);
            users = users.Where(u => EF.Functions.Like(u.Username.ToLower(), pattern, LikePattern.Escape)
                || EF.Functions.Like(u.Name.ToLower(), pattern, LikePattern.Escape)
                || (current.IsAdmin && EF.Functions.Like(u.Email.ToLower(), pattern, LikePattern.Escape)));
        }

        if (p.Bool("active") == true)
        {
            users = users.Where(u => u.State == UserStates.Active);
        }

        if (p.Bool("blocked") == true)
        {
            users = users.Where(u => u.State == UserStates.Blocked);
        }

        var page = await Pagination.PageAsync(users.OrderBy(u => u.Id), p, context, context.RequestAborted);
        return TypedResults.Ok(page.Select(u => UserJson.From(u, context.Request, current)));
    }

    private static async Task<IResult> Get(string id, HttpContext context, TokenwardDb db)
    {
        var user = await FindAsync(db, id, context.RequestAborted);
        return TypedResults.Ok(UserJson.From(user, context.Request, CurrentRequest.Of(context)));
    }

    private static async Task<IResult> Create(HttpContext context, TokenwardDb db, TimeProvider clock)
    {
        var p = await ApiParams.ReadAsync(context);
        var missing = RequiredForCreate.Where(n => p.String(n) is not { Length: > 0 }).ToList();
        if (missing.Count > 0)
        {
            throw ApiException.InvalidParameter(string.Join(", ", missing.Select(n => $"{n} is missing")));
        }

        var username = p.RequiredString("username").Trim();
        if (!UsernameRules.IsValid(username))
        {
            throw ApiException.Invalid("username", UsernameRules.Problem);
        }

        var email = p.RequiredString("email").Trim();
        if (!email.Contains('@', StringComparison.Ordinal) || email.Length > 255)
        {
            throw ApiException.Invalid("email", "is invalid");
        }

        var lowerName = username.ToLowerInvariant();
        var lowerEmail = email.ToLowerInvariant();
        var ct = context.RequestAborted;
        if (await db.Users.AnyAsync(u => u.Username.ToLower() == lowerName, ct))
        {
            throw ApiException.Conflict("Username has already been taken");
        }

        if (await db.Users.AnyAsync(u => u.Email.ToLower() == lowerEmail, ct))
        {
            throw ApiException.Conflict("Email has already been taken");
        }

        var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        var user = new User
        {
            Username = username,
            Email = email,
            Name = p.RequiredString("name"),
            Admin = p.Bool("admin") ?? false,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A concurrent create took the name or address between the check and the insert.
            throw ApiException.Conflict("Username or email has already been taken");
        }

        return TypedResults.Created($"/api/v4/users/{user.Id}", UserJson.From(user, context.Request, CurrentRequest.Of(context)));
    }

    private static Task<IResult> Block(string id, HttpContext context, TokenwardDb db, AuthCache cache, TimeProvider clock) =>
        SetStateAsync(id, UserStates.Blocked, context, db, cache, clock);

    private static Task<IResult> Unblock(string id, HttpContext context, TokenwardDb db, AuthCache cache, TimeProvider clock) =>
        SetStateAsync(id, UserStates.Active, context, db, cache, clock);

    /// <summary>GitLab answers both with <c>201 true</c>, also when the user already was in that state.</summary>
    private static async Task<IResult> SetStateAsync(string id, string state, HttpContext context, TokenwardDb db, AuthCache cache, TimeProvider clock)
    {
        var user = await FindAsync(db, id, context.RequestAborted);
        var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        await db.Users.Where(u => u.Id == user.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.State, state).SetProperty(u => u.UpdatedAt, now), context.RequestAborted);
        cache.ForgetUser(user.Id);
        return TypedResults.Json(true, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<User> FindAsync(TokenwardDb db, string id, CancellationToken ct)
    {
        var userId = PersonalAccessTokensEndpoints.ParseId(id, "id");
        return await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct) ?? throw ApiException.NotFound("User");
    }
}
