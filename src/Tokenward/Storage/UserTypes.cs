namespace Tokenward.Storage;

/// <summary>GitLab's <c>users.user_type</c> values that Tokenward uses.</summary>
public static class UserTypes
{
    public const short Human = 0;
    public const short ProjectBot = 6;
}
