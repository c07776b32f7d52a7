namespace Tokenward.Audit;

/// <summary>An audit event to record: who did what to which entity, with JSON-serialisable details.</summary>
public sealed record AuditEntry(Actor Actor, string EntityType, long EntityId, string EventName, string? TargetType, long? TargetId, object Details);
