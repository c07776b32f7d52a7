using Tokenward.Api;

namespace Tokenward.Settings;

/// <summary>GitLab's <c>/application/settings</c> for the token settings Tokenward has (admins).</summary>
public static class ApplicationSettingsEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var settings = api.MapGroup("/application/settings").WithTags("Settings");
        settings.MapGet("/", async (ApplicationSettings s, CancellationToken ct) => TypedResults.Ok(await s.PolicyAsync(ct)))
            .AdminOnly(ApiAccess.Read).WithSummary("Token settings (admin)");
        settings.MapPut("/", Update).AdminOnly(ApiAccess.Write)
            .WithSummary("Change require_personal_access_token_expiry and max_personal_access_token_lifetime (admin)");
    }

    private static async Task<IResult> Update(HttpContext context, ApplicationSettings settings)
    {
        var p = await ApiParams.ReadAsync(context);
        var policy = await settings.UpdateAsync(p.Bool("require_personal_access_token_expiry"), p.Int("max_personal_access_token_lifetime"), context.RequestAborted);
        return TypedResults.Ok(policy);
    }
}
