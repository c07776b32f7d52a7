using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Tokenward.Audit;
using Tokenward.Authentication;
using Tokenward.Core.Authentication;
using Tokenward.Core.Authorization;
using Tokenward.Hosting;
using Tokenward.Storage;

namespace Tokenward.Web;

/// <summary>
/// The web UI's session: a cookie scheme beside the token scheme. Its ticket names the user, how
/// they signed in and a stamp of their password; every request re-reads the user (and the token a
/// session was opened with), so blocking, a password change or a revocation ends the session.
/// </summary>
public static class WebSession
{
    public const string Scheme = "tokenward_session";

    public const string CookieName = "_tokenward_session";

    /// <summary>Any signed-in user.</summary>
    public const string UserPolicy = "web_user";

    /// <summary>An admin acting as one (see <see cref="WebUser.IsAdmin"/>).</summary>
    public const string AdminPolicy = "web_admin";

    public const string PasswordMethod = "password";

    public const string TokenMethod = "personal access token";

    /// <summary>However busy, a session ends this long after its sign-in.</summary>
    public static readonly TimeSpan AbsoluteLifetime = TimeSpan.FromHours(24);

    private const string MethodClaim = "sign_in_method";
    private const string IssuedClaim = "signed_in_at";
    private const string StampClaim = "password_stamp";
    private const string AdminClaim = "web_admin";

    public static ClaimsPrincipal Principal(User user, string method, long? tokenId, DateTimeOffset now)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id.ToString(CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, user.Username),
            new(MethodClaim, method),
            new(StampClaim, Stamp(user)),
            new(IssuedClaim, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
        };
        if (tokenId is { } id)
        {
            claims.Add(new(TokenAuthenticationDefaults.TokenIdClaim, id.ToString(CultureInfo.InvariantCulture)));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme));
    }

    public static void Configure(CookieAuthenticationOptions o, TokenwardSettings settings)
    {
        o.Cookie.Name = CookieName;
        o.Cookie.HttpOnly = true;
        // Behind a TLS proxy the request Tokenward sees may be plain HTTP: the external URL says what the browser uses.
        o.Cookie.SecurePolicy = settings.ExternalUrl?.StartsWith("https:", StringComparison.OrdinalIgnoreCase) == true
            ? CookieSecurePolicy.Always
            : CookieSecurePolicy.SameAsRequest;
        o.Cookie.SameSite = SameSiteMode.Lax;
        o.Cookie.Path = "/";
        // The idle timeout: a request past half of it renews the ticket (ASP.NET Core's sliding
        // expiration), so a session ends between half of it and all of it after its last request.
        o.ExpireTimeSpan = settings.SessionIdle;
        o.SlidingExpiration = true;
        o.LoginPath = "/users/sign_in";
        o.ReturnUrlParameter = "redirect_to";
        o.Events.OnValidatePrincipal = ValidateAsync;
        // A signed-in user who may not see an admin page gets GitLab's answer: the page does not exist.
        o.Events.OnRedirectToAccessDenied = c =>
        {
            c.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        };
    }

    public static void AddPolicies(Microsoft.AspNetCore.Authorization.AuthorizationOptions o)
    {
        o.AddPolicy(UserPolicy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());
        o.AddPolicy(AdminPolicy, p => p.AddAuthenticationSchemes(Scheme).RequireClaim(AdminClaim, "true"));
    }

    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var http = context.HttpContext;
        var principal = context.Principal;
        var services = http.RequestServices;
        if (!long.TryParse(principal?.FindFirstValue(ClaimTypes.NameIdentifier), NumberStyles.None, CultureInfo.InvariantCulture, out var userId))
        {
            context.RejectPrincipal();
            return;
        }

        var clock = services.GetRequiredService<TimeProvider>();
        if (!long.TryParse(principal?.FindFirstValue(IssuedClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var issued)
            || clock.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(issued) > AbsoluteLifetime)
        {
            await Reject(context);
            return;
        }

        var db = services.GetRequiredService<TokenwardDb>();
        var ct = http.RequestAborted;
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct);
        var method = principal!.FindFirstValue(MethodClaim) ?? string.Empty;
        if (user is null || user.State != UserStates.Active || user.IsBot || principal.FindFirstValue(StampClaim) != Stamp(user))
        {
            await Reject(context);
            return;
        }

        long? tokenId = null;
        IReadOnlyList<string> scopes = [];
        if (method == TokenMethod)
        {
            tokenId = long.TryParse(principal.FindFirstValue(TokenAuthenticationDefaults.TokenIdClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
            var token = tokenId is null ? null : await db.PersonalAccessTokens.FirstOrDefaultAsync(t => t.Id == tokenId && t.UserId == userId, ct);
            var today = TokenStates.Today(clock);
            if (token is null || !TokenStates.IsActive(token.Revoked, token.ExpiresAt, today))
            {
                await Reject(context);
                return;
            }

            scopes = token.ScopeList();
        }

        var settings = services.GetRequiredService<TokenwardSettings>();
        var canWrite = method == PasswordMethod || scopes.Contains(Scopes.Api);
        var isAdmin = user.Admin && canWrite && (method == PasswordMethod || AdminMode.ActsAsAdmin(true, scopes, settings.AdminMode));
        http.Features.Set(new WebUser(user, method, tokenId, canWrite, isAdmin));
        // The rest of Tokenward (the audit trail's actor) reads the caller from here, as for the API.
        http.Features.Set(new CurrentRequest { User = user, TokenScopes = scopes, IsAdmin = isAdmin });
        services.GetRequiredService<ActorContext>().Current = new Actor(user.Id, user.Username, tokenId, Api.ClientAddress.Of(http)?.ToString());
        if (isAdmin)
        {
            var identity = new ClaimsIdentity(principal.Claims, Scheme);
            identity.AddClaim(new Claim(AdminClaim, "true"));
            context.ReplacePrincipal(new ClaimsPrincipal(identity));
        }
    }

    private static async Task Reject(CookieValidatePrincipalContext context)
    {
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(Scheme);
    }

    /// <summary>Changes when the password does, so a new password ends the sessions the old one opened.</summary>
    private static string Stamp(User user) => user.EncryptedPassword is { } hash
        ? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(hash)).AsSpan(0, 8))
        : "none";
}
