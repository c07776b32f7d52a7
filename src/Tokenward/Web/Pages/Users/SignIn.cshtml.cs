using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Tokenward.Web.Pages.Users;

/// <summary>GitLab's <c>/users/sign_in</c>: a password, or for users without one, a personal access token.</summary>
public sealed class SignInModel(WebSignIn signIn, TimeProvider clock) : PageModel
{
    public string? Error { get; private set; }

    public string? Login { get; private set; }

    public string RedirectTo { get; private set; } = "/";

    public void OnGet([FromQuery(Name = "redirect_to")] string? redirectTo) => RedirectTo = SafeRedirect(redirectTo, Url);

    public async Task<IActionResult> OnPostPasswordAsync(CancellationToken ct)
    {
        var form = Request.Form;
        Login = form["user[login]"].ToString();
        var outcome = await signIn.WithPasswordAsync(Login, form["user[password]"].ToString(), Api.ClientAddress.Of(HttpContext), ct);
        return await FinishAsync(outcome, WebSession.PasswordMethod, form["redirect_to"]);
    }

    public async Task<IActionResult> OnPostTokenAsync(CancellationToken ct)
    {
        var form = Request.Form;
        var outcome = await signIn.WithTokenAsync(form["token"].ToString(), Api.ClientAddress.Of(HttpContext), ct);
        return await FinishAsync(outcome, WebSession.TokenMethod, form["redirect_to"]);
    }

    private async Task<IActionResult> FinishAsync(WebSignIn.Outcome outcome, string method, string? redirectTo)
    {
        RedirectTo = SafeRedirect(redirectTo, Url);
        if (outcome.User is not { } user)
        {
            Error = outcome.Error;
            Response.StatusCode = outcome.Banned ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized;
            return Page();
        }

        await HttpContext.SignInAsync(WebSession.Scheme, WebSession.Principal(user, method, outcome.TokenId, clock.GetUtcNow()));
        return LocalRedirect(RedirectTo);
    }

    /// <summary>Only a path on this site: an open redirect would send a fresh session's user anywhere.</summary>
    private static string SafeRedirect(string? target, IUrlHelper url) =>
        target is { Length: > 1 } t && url.IsLocalUrl(t) && t.All(c => !char.IsControl(c)) ? t : "/";
}
