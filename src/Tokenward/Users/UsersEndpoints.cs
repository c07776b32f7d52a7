using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Tokenward.Api;
using Tokenward.Authentication;
using Tokenward.Core.Authentication;
using Tokenward.Core.Validation;
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
        users.MapPut("/{id}", Update).AdminOnly(ApiAccess.Write).WithSummary("Change a user's name, email, admin flag or password (admin)");
        users.MapPost("/{id}/block", (string id, HttpContext c) => SetStateAsync(id, UserStates.Blocked, "user_blocked", c))
            .AdminOnly(ApiAccess.Write).WithSummary("Block a user (admin); their tokens stop working");
        users.MapPost("/{id}/unblock", (string id, HttpContext c) => SetStateAsync(id, UserStates.Active, "user_unblocked", c))
            .AdminOnly(ApiAccess.Write).WithSummary("Unblock a user (admin)");
        users.MapPost("/{id}/ban", (string id, HttpContext c) => SetStateAsync(id, UserStates.Banned, "user_banned", c))
            .AdminOnly(ApiAccess.Write).WithSummary("Ban a user (admin); their tokens stop working");
        users.MapPost("/{id}/unban", (string id, HttpContext c) => SetStateAsync(id, UserStates.Active, "user_unbanned", c))
            .AdminOnly(ApiAccess.Write).WithSummary("Unban a user (admin)");
        users.MapPost("/{id}/deactivate", (string id, HttpContext c) => SetStateAsync(id, UserStates.Deactivated, "user_deactivated", c))
            .AdminOnly(ApiAccess.Write).WithSummary("Deactivate a user (admin); their tokens stop working");
        users.MapPost("/{id}/activate", (string id, HttpContext c) => SetStateAsync(id, UserStates.Active, "user_activated", c))
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

    private static async Task<IResult> Create(HttpContext context, TokenwardDb db, TimeProvider clock, Audit.AuditLog audit, Audit.ActorContext actor)
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

        var email = CheckedEmail(p.RequiredString("email"));
        var name = CheckedName(p.RequiredString("name"));
        var password = p.String("password") is { } given ? CheckedPassword(given) : null;

        var lowerName = username.ToLowerInvariant();
        var ct = context.RequestAborted;
        if (await db.Users.AnyAsync(u => u.Username.ToLower() == lowerName, ct))
        {
            throw ApiException.Conflict("Username has already been taken");
        }

        if (await EmailTakenAsync(db, email, null, ct))
        {
            throw ApiException.Conflict("Email has already been taken");
        }

        var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        var user = new User
        {
            Username = username,
            Email = email,
            Name = name,
            Admin = p.Bool("admin") ?? false,
            CreatedAt = now,
            UpdatedAt = now,
        };
        if (password is not null)
        {
            user.EncryptedPassword = Passwords.Hash(user, password);
        }

        try
        {
            await audit.InTransactionAsync(async () =>
            {
                db.Users.Add(user);
                await db.SaveChangesAsync(ct);
                await audit.RecordAsync(actor.Current, "User", user.Id, "user_created", "User", user.Id,
                    new { username = user.Username, email = user.Email, admin = user.Admin }, ct);
            }, ct);
        }
        catch (DbUpdateException)
        {
            // A concurrent create took the name or address between the check and the insert.
            throw ApiException.Conflict("Username or email has already been taken");
        }

        return TypedResults.Created($"/api/v4/users/{user.Id}", UserJson.From(user, context.Request, CurrentRequest.Of(context)));
    }

    /// <summary>GitLab's <c>PUT /users/:id</c> for the attributes Tokenward keeps; a new password is stored hashed and audited without its value.</summary>
    private static async Task<IResult> Update(string id, HttpContext context, TokenwardDb db, TimeProvider clock, Audit.AuditLog audit, Audit.ActorContext actor)
    {
        var p = await ApiParams.ReadAsync(context);
        var ct = context.RequestAborted;
        var user = await FindAsync(db, id, ct);
        var changed = new List<string>();
        if (p.String("email") is { } emailValue)
        {
            var email = CheckedEmail(emailValue);
            if (await EmailTakenAsync(db, email, user.Id, ct))
            {
                throw ApiException.Conflict("Email has already been taken");
            }

            user.Email = email;
            changed.Add("email");
        }

        if (p.String("name") is { } nameValue)
        {
            user.Name = CheckedName(nameValue);
            changed.Add("name");
        }

        if (p.Bool("admin") is { } admin)
        {
            user.Admin = admin;
            changed.Add("admin");
        }

        if (p.String("password") is { } password)
        {
            user.EncryptedPassword = Passwords.Hash(user, CheckedPassword(password));
            changed.Add("password");
        }

        if (changed.Count > 0)
        {
            user.UpdatedAt = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
            try
            {
                await audit.InTransactionAsync(async () =>
                {
                    db.Users.Update(user);
                    await db.SaveChangesAsync(ct);
                    await audit.RecordAsync(actor.Current, "User", user.Id, "user_updated", "User", user.Id, new { username = user.Username, changed }, ct);
                    audit.AfterCommit(() => context.RequestServices.GetRequiredService<AuthCache>().ForgetUser(user.Id));
                }, ct);
            }
            catch (DbUpdateException)
            {
                throw ApiException.Conflict("Email has already been taken");
            }
        }

        return TypedResults.Ok(UserJson.From(user, context.Request, CurrentRequest.Of(context)));
    }

    /// <summary>GitLab answers each with <c>201 true</c>, also when the user already was in that state; a change is audited with it.</summary>
    private static async Task<IResult> SetStateAsync(string id, string state, string eventName, HttpContext context)
    {
        var services = context.RequestServices;
        var user = await FindAsync(services.GetRequiredService<TokenwardDb>(), id, context.RequestAborted);
        await ChangeStateAsync(services, user, state, eventName, context.RequestAborted);
        return TypedResults.Json(true, statusCode: StatusCodes.Status201Created);
    }

    /// <summary>Sets a user's state, audited, and drops their tokens from the authentication cache; the API and the web UI's user list both change states here.</summary>
    public static async Task ChangeStateAsync(IServiceProvider services, User user, string state, string eventName, CancellationToken ct)
    {
        var db = services.GetRequiredService<TokenwardDb>();
        var audit = services.GetRequiredService<Audit.AuditLog>();
        var clock = services.GetRequiredService<TimeProvider>();
        var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        await audit.InTransactionAsync(async () =>
        {
            var changed = await db.Users.Where(u => u.Id == user.Id && u.State != state)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.State, state).SetProperty(u => u.UpdatedAt, now), ct);
            if (changed > 0)
            {
                await audit.RecordAsync(services.GetRequiredService<Audit.ActorContext>().Current, "User", user.Id, eventName, "User", user.Id,
                    new { username = user.Username, before = new { state = user.State }, after = new { state } }, ct);
            }

            audit.AfterCommit(() => services.GetRequiredService<AuthCache>().ForgetUser(user.Id));
        }, ct);
    }

    private static string CheckedEmail(string value)
    {
        var email = value.Trim();
        return TextRules.Email(email) is { } problem ? throw ApiException.Invalid("email", problem) : email;
    }

    /// <summary>GitLab turns markup in a name into dashes rather than refusing it.</summary>
    private static string CheckedName(string value)
    {
        var name = TextRules.SanitizeName(value.Trim());
        return TextRules.Line(name) is { } problem ? throw ApiException.Invalid("name", problem) : name;
    }

    private static string CheckedPassword(string password) =>
        Passwords.Problem(password) is { } problem ? throw ApiException.Invalid("password", problem) : password;

    private static Task<bool> EmailTakenAsync(TokenwardDb db, string email, long? exceptUserId, CancellationToken ct)
    {
        var lower = email.ToLowerInvariant();
        return db.Users.AnyAsync(u => u.Id != exceptUserId && u.Email.ToLower() == lower, ct);
    }

    private static async Task<User> FindAsync(TokenwardDb db, string id, CancellationToken ct)
    {
        var userId = PersonalAccessTokensEndpoints.ParseId(id, "id");
        return await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct) ?? throw ApiException.NotFound("User");
    }
}
