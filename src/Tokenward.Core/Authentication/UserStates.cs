namespace Tokenward.Core.Authentication;

/// <summary>GitLab's <c>users.state</c> values.</summary>
public static class UserStates
{
    public const string Active = "active";
    public const string Blocked = "blocked";
    public const string Banned = "banned";
    public const string Deactivated = "deactivated";

    /// <summary>Only active users may use the API; the others' tokens stop working but are kept.</summary>
    public static bool MayUseApi(string state) => state == Active;
}
