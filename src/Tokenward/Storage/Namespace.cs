namespace Tokenward.Storage;

/// <summary>A row of <c>namespaces</c>: a group (<c>type</c> "Group", maybe under a parent group) or a user's own namespace ("User").</summary>
public sealed class Namespace
{
    public const string GroupType = "Group";
    public const string UserType = "User";

    public long Id { get; set; }

    public required string Name { get; set; }

    public required string Path { get; set; }

    public required string Type { get; set; }

    public long? ParentId { get; set; }

    /// <summary>For a user namespace, its user.</summary>
    public long? OwnerId { get; set; }

    /// <summary>A group's own maximum lifetime for its project and group access tokens, in days (at most the instance's).</summary>
    public int? MaxPersonalAccessTokenLifetime { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}
