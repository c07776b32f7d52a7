using Microsoft.AspNetCore.Authentication;
using Tokenward.Storage;

namespace Tokenward.Authentication;

/// <summary>Who is calling: the authenticated user and the token used, if any, or why the token was refused.</summary>
public sealed class CurrentRequest
{
    public User? User { get; set; }

    public PersonalAccessToken? Token { get; set; }

    public IReadOnlyList<string> TokenScopes { get; set; } = [];

    public User RequireUser() => User ?? throw Api.ApiException.Unauthorized();

    /// <summary>Whether the caller acts as an admin now (an admin, and with admin mode on, through an <c>admin_mode</c> token).</summary>
    public bool IsAdmin { get; set; }

    /// <summary>GitLab's answer to a token that was presented and refused; the request ends with it whatever the endpoint allows.</summary>
    public Api.ApiException? Refusal { get; private set; }

    public AuthenticateResult Refuse(Api.ApiException refusal)
    {
        Refusal = refusal;
        return AuthenticateResult.Fail(refusal);
    }

    public static CurrentRequest Of(HttpContext context) =>
        context.Features.Get<CurrentRequest>() ?? throw new InvalidOperationException("Authentication has not run for this request.");
}
