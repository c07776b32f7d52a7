namespace Tokenward.Members;

/// <summary>A member of a group or project as GitLab's API shows it.</summary>
public sealed record MemberJson(
    long Id,
    string Username,
    string Name,
    string State,
    string? AvatarUrl,
    string WebUrl,
    int AccessLevel,
    DateTime CreatedAt,
    DateOnly? ExpiresAt);
