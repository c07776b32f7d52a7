namespace Tokenward.Groups;

/// <summary>A group as GitLab's API shows it (the fields token tooling uses).</summary>
public sealed record GroupJson(
    long Id,
    string Name,
    string Path,
    string Description,
    string Visibility,
    string FullName,
    string FullPath,
    long? ParentId,
    string WebUrl,
    DateTime CreatedAt,
    int? MaxPersonalAccessTokenLifetime);
