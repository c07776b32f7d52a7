namespace Tokenward.Storage;

/// <summary>A row of <c>audit_events</c>: who did what to which entity, with before/after details as JSON.</summary>
public sealed class AuditEvent
{
    public long Id { get; set; }

    /// <summary>The acting user, or null for the CLI and background jobs.</summary>
    public long? AuthorId { get; set; }

    public required string AuthorName { get; set; }

    /// <summary><c>User</c>, <c>Project</c>, <c>Group</c> or <c>Instance</c>, as GitLab scopes its events.</summary>
    public required string EntityType { get; set; }

    public long EntityId { get; set; }

    public required string EventName { get; set; }

    public string? TargetType { get; set; }

    public long? TargetId { get; set; }

    public string? IpAddress { get; set; }

    public required string Details { get; set; }

    public DateTime CreatedAt { get; set; }
}
