using Microsoft.AspNetCore.Authorization;

namespace Tokenward.Authentication;

/// <summary>GitLab's <c>authenticated_as_admin!</c>: an administrator, through an <c>admin_mode</c> token when admin mode is on.</summary>
public sealed class AdminRequirement : IAuthorizationRequirement
{
    public static readonly AdminRequirement Instance = new();

    private AdminRequirement()
    {
    }
}
