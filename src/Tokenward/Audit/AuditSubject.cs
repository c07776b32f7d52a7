namespace Tokenward.Audit;

/// <summary>What an event about a token is filed under: its owner user, or its project or group; and the token kind for the event name.</summary>
public sealed record AuditSubject(string EntityType, long EntityId, string TokenKind)
{
    public static AuditSubject ForUser(long userId, bool impersonation) =>
        new("User", userId, impersonation ? "impersonation_token" : "personal_access_token");
}
