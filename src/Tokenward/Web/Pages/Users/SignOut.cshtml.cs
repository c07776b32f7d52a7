using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Tokenward.Web.Pages.Users;

/// <summary>GitLab's <c>POST /users/sign_out</c>; a GET only asks, so a link elsewhere cannot sign anyone out.</summary>
public sealed class SignOutModel : PageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(WebSession.Scheme);
        return Redirect("/users/sign_in");
    }
}
