using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenward.Api;
using Tokenward.ApiLog;
using Tokenward.Authentication;
using Tokenward.Storage;

namespace Tokenward.Audit;

/// <summary>
/// Records audit events in <c>audit_events</c> and as lines of <c>audit_json.log</c>. The row is
/// written in the caller's transaction; the line is written once that transaction commits
/// (<see cref="Publish"/>), so the file never shows an event the database rolled back.
/// </summary>
public sealed class AuditLog(TokenwardDb db, AuditJsonLog file, TimeProvider clock)
{
    private static readonly JsonSerializerOptions DetailOptions = CreateDetailOptions();

    private readonly List<AuditEvent> _pending = [];

    private static JsonSerializerOptions CreateDetailOptions()
    {
        var options = new JsonSerializerOptions();
        GitLabJson.Configure(options);
        return options;
    }

    /// <param name="details">Anything JSON-serialisable: before/after values, the token, the change.</param>
    public Task RecordAsync(Actor actor, string entityType, long entityId, string eventName, string? targetType, long? targetId, object details, CancellationToken ct) =>
        RecordManyAsync([new AuditEntry(actor, entityType, entityId, eventName, targetType, targetId, details)], ct);

    /// <summary>Records many events with one round of inserts (bulk changes write one per token).</summary>
    public async Task RecordManyAsync(IReadOnlyCollection<AuditEntry> entries, CancellationToken ct)
    {
        var createdAt = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        var events = entries.Select(entry => Event(entry, createdAt)).ToList();
        db.AuditEvents.AddRange(events);
        await db.SaveChangesAsync(ct);
        foreach (var e in events)
        {
            db.Entry(e).State = Microsoft.EntityFrameworkCore.EntityState.Detached;
        }

        _pending.AddRange(events);
        if (db.Database.CurrentTransaction is null)
        {
            Publish();
        }
    }

    private static AuditEvent Event(AuditEntry entry, DateTime createdAt)
    {
        var detailJson = JsonSerializer.SerializeToNode(entry.Details, DetailOptions) as JsonObject ?? [];
        detailJson["author_name"] = entry.Actor.Name;
        if (entry.Actor.TokenId is { } tokenId)
        {
            detailJson["author_token_id"] = tokenId;
        }

        return new AuditEvent
        {
            AuthorId = entry.Actor.UserId,
            AuthorName = entry.Actor.Name,
            EntityType = entry.EntityType,
            EntityId = entry.EntityId,
            EventName = entry.EventName,
            TargetType = entry.TargetType,
            TargetId = entry.TargetId,
            IpAddress = entry.Actor.IpAddress,
            Details = detailJson.ToJsonString(),
            CreatedAt = createdAt,
        };
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one database transaction; the audit lines it records are
    /// written after the commit, and forgotten if it fails.
    /// </summary>
    public async Task<T> InTransactionAsync<T>(Func<Task<T>> work, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        try
        {
            var result = await work();
            await tx.CommitAsync(ct);
            Publish();
            return result;
        }
        catch
        {
            Discard();
            throw;
        }
    }

    public Task InTransactionAsync(Func<Task> work, CancellationToken ct) =>
        InTransactionAsync(async () =>
        {
            await work();
            return true;
        }, ct);

    /// <summary>Writes the lines of events whose transaction has committed.</summary>
    public void Publish()
    {
        foreach (var e in _pending)
        {
            file.Write(Line(e));
        }

        _pending.Clear();
    }

    /// <summary>Forgets events of a transaction that rolled back.</summary>
    public void Discard() => _pending.Clear();

    public static JsonObject Json(AuditEvent e) => new()
    {
        ["id"] = e.Id,
        ["author_id"] = e.AuthorId,
        ["entity_id"] = e.EntityId,
        ["entity_type"] = e.EntityType,
        ["event_name"] = e.EventName,
        ["target_type"] = e.TargetType,
        ["target_id"] = e.TargetId,
        ["ip_address"] = e.IpAddress,
        ["details"] = JsonNode.Parse(e.Details),
        ["created_at"] = GitLabJson.FormatTime(e.CreatedAt),
    };

    private static byte[] Line(AuditEvent e)
    {
        var json = Json(e);
        json.Remove("created_at");
        var line = new JsonObject { ["time"] = GitLabJson.FormatTime(e.CreatedAt), ["severity"] = "INFO" };
        foreach (var (key, value) in json)
        {
            line[key] = value?.DeepClone();
        }

        return System.Text.Encoding.UTF8.GetBytes(line.ToJsonString() + "\n");
    }
}
