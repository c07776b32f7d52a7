namespace Tokenward.Projects;

/// <summary>A project as GitLab's API shows it (the fields token tooling uses).</summary>
public sealed record ProjectJson(
    long Id,
    string Name,
    string Path,
    string NameWithNamespace,
    string PathWithNamespace,
    string Description,
    string Visibility,
    NamespaceJson Namespace,
    string WebUrl,
    DateTime CreatedAt);

public sealed record NamespaceJson(long Id, string Name, string Path, string Kind, string FullPath, long? ParentId);
