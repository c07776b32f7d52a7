using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Tokenward.Settings;

namespace Tokenward.Web.Pages.Admin;

/// <summary>The token policy (GitLab's Settings → General → Account and limit): whether tokens must expire, and their maximum lifetime.</summary>
public sealed class ApplicationSettingsModel(ApplicationSettings settings) : PageModel
{
    public TokenPolicy Policy { get; private set; } = null!;

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => Policy = await settings.PolicyAsync(ct);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var form = Request.Form;
        var require = form["require_personal_access_token_expiry"] == "1";
        if (!int.TryParse(form["max_personal_access_token_lifetime"], NumberStyles.None, CultureInfo.InvariantCulture, out var days))
        {
            Error = $"The maximum lifetime must be a whole number of days from 1 to {TokenPolicy.MaxLifetimeCeiling}.";
        }
        else
        {
            try
            {
                Policy = await settings.UpdateAsync(require, days, ct);
                Message = "Saved. The policy applies to tokens created or rotated from now on.";
                return Page();
            }
            catch (TokenValidationException e)
            {
                Error = WebQuery.Sentence(e);
            }
        }

        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        Policy = await settings.PolicyAsync(ct);
        return Page();
    }
}
