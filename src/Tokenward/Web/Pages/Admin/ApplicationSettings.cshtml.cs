using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Tokenward.Settings;
using Tokenward.Toolkit;

namespace Tokenward.Web.Pages.Admin;

/// <summary>
/// The token policy (GitLab's Settings → General → Account and limit): whether tokens must expire,
/// and their maximum lifetime. A stricter policy that changes tokens at their next rotation is
/// shown first (<see cref="PolicyPreview"/>, as <c>settings set</c> does) and saved only once confirmed.
/// </summary>
public sealed class ApplicationSettingsModel(ApplicationSettings settings, PolicyPreview policyPreview) : PageModel
{
    public TokenPolicy Policy { get; private set; } = null!;

    /// <summary>The stricter policy waiting for its confirmation, with the tokens it changes.</summary>
    public PolicyPreviewResult? Preview { get; private set; }

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
                var current = await settings.PolicyAsync(ct);
                var stricter = days < current.MaxPersonalAccessTokenLifetime || (require && !current.RequirePersonalAccessTokenExpiry);
                // Out of range is for UpdateAsync to refuse, in the words the API uses.
                if (stricter && form["confirm"] != "1" && days is >= 1 and <= TokenPolicy.MaxLifetimeCeiling)
                {
                    var preview = await policyPreview.PreviewAsync(new TokenFilter(), require, days, ct);
                    if (preview.Affected > 0)
                    {
                        Preview = preview;
                        Policy = current;
                        return Page();
                    }
                }

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
