using Tokenward.Core.Tokens;

namespace Tokenward.Core.Authorization;

/// <summary>GitLab's admin mode: with it on, an admin's token acts as an admin only if it carries <c>admin_mode</c>.</summary>
public static class AdminMode
{
    public static bool ActsAsAdmin(bool userIsAdmin, IReadOnlyList<string> tokenScopes, bool adminModeOn) =>
        userIsAdmin && (!adminModeOn || tokenScopes.Contains(Scopes.AdminMode));
}
