namespace Tokenward.Authentication;

/// <summary>The names of the token scheme and of what it puts in a caller's claims.</summary>
public static class TokenAuthenticationDefaults
{
    /// <summary>GitLab's personal, impersonation and resource access tokens, as the API reads them.</summary>
    public const string Scheme = "gitlab_token";

    public const string TokenIdClaim = "token_id";

    /// <summary>One claim per scope of the token.</summary>
    public const string ScopeClaim = "scope";

    /// <summary>Present when the user is an administrator (whether the token may act as one is <see cref="Core.Authorization.AdminMode"/>'s call).</summary>
    public const string AdminClaim = "admin";
}
