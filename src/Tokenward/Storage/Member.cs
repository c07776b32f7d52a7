namespace Tokenward.Storage;

/// <summary>A row of <c>members</c>: a user's access level in a group (<c>source_type</c> "Namespace") or a project ("Project").</summary>
public sealed class Member
{
    public const string NamespaceSource = "Namespace";
    public const string ProjectSource = "Project";

    /// <summary>The kind of resource token a bot with this membership holds.</summary>
    public static TokenKind? ResourceOf(string? sourceType) => sourceType switch
    {
        ProjectSource => TokenKind.Project,
        NamespaceSource => TokenKind.Group,
        _ => null,
    };

    public long Id { get; set; }

    public required string SourceType { get; set; }

    public long SourceId { get; set; }

    public long UserId { get; set; }

    public int AccessLevel { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}
