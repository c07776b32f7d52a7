using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Rewrite;
using Microsoft.Extensions.FileProviders;
using Tokenward.Hosting;

namespace Tokenward.Web;

/// <summary>
/// The web UI: Razor Pages rendered on the server (every form works without JavaScript), a cookie
/// session (<see cref="WebSession"/>), antiforgery on every form, and its own CSS and script
/// embedded in the executable (no CDN, no client-side library).
/// </summary>
public static class WebUi
{
    /// <summary>GitLab's form field for the antiforgery token.</summary>
    public const string AntiforgeryField = "authenticity_token";

    public const string AssetsPath = "/-/assets";

    /// <summary>Where a resource's token page is served once its GitLab path is rewritten (see <see cref="UseWebUi"/>).</summary>
    public const string ResourceTokensPath = "/-/resource_access_tokens";

    public static void AddWebUi(this IServiceCollection services, TokenwardSettings settings)
    {
        services.AddRazorPages(o =>
        {
            o.RootDirectory = "/Web/Pages";
            o.Conventions.AuthorizeFolder("/", WebSession.UserPolicy);
            o.Conventions.AuthorizeFolder("/Admin", WebSession.AdminPolicy);
            o.Conventions.AllowAnonymousToPage("/Users/SignIn");
        });
        services.AddAntiforgery(o =>
        {
            o.FormFieldName = AntiforgeryField;
            o.Cookie.Name = "_tokenward_csrf";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        // The keys that sign sessions and antiforgery tokens live beside the instance secret, so a
        // restart keeps everyone signed in.
        services.AddDataProtection()
            .SetApplicationName("tokenward")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(settings.DataDir, "keys")));
        services.AddAuthentication().AddCookie(WebSession.Scheme, o => WebSession.Configure(o, settings));
        services.AddAuthorization(WebSession.AddPolicies);
        services.AddScoped<WebSignIn>();
        services.AddScoped<SignInLockout>();
    }

    /// <summary>Before routing: GitLab's resource paths (<c>/group/sub/project/-/settings/access_tokens</c>) have the resource's full path first, which no route template can match.</summary>
    public static void UseWebUiRewrites(this IApplicationBuilder app) =>
        app.UseRewriter(new RewriteOptions().AddRewrite(@"^(?!api/|-/)(.+?)/-/settings/access_tokens/?$", ResourceTokensPath.TrimStart('/') + "?path=$1", skipRemainingRules: true));

    public static void UseWebUi(this WebApplication app)
    {
        app.UseWhen(c => !TokenService.TokenServiceEndpoint.AnswersAsApi(c.Request.Path), web =>
        {
            web.Use(static (context, next) =>
            {
                // Pages show tokens once and people's data: no cache keeps them, no frame shows them,
                // and only Tokenward's own script and style run.
                var headers = context.Response.Headers;
                headers.CacheControl = "no-cache, no-store";
                headers.Pragma = "no-cache";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "same-origin";
                headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
                return next(context);
            });
            web.UseMiddleware<WebErrors>();
            web.UseStatusCodePages(c => WebErrors.StatusPageAsync(c.HttpContext));
        });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new EmbeddedFileProvider(typeof(WebUi).Assembly, "Tokenward.Web.Assets"),
            RequestPath = AssetsPath,
        });
    }

    public static void MapWebUi(this WebApplication app)
    {
        app.MapRazorPages();
        app.MapGet("/", () => Results.Redirect("/-/user_settings/personal_access_tokens")).ExcludeFromDescription();
        app.MapGet("/-/user_settings/personal_access_tokens.ics", TokenCalendar.RenderAsync).RequireAuthorization(WebSession.UserPolicy).ExcludeFromDescription();
    }
}
