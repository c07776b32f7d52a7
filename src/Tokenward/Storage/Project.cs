namespace Tokenward.Storage;

/// <summary>A row of <c>projects</c>, in a group's or a user's namespace.</summary>
public sealed class Project
{
    public long Id { get; set; }

    public required string Name { get; set; }

    public required string Path { get; set; }

    public long NamespaceId { get; set; }

    public long? CreatorId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}
