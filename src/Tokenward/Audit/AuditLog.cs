using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Tokenward.Api;
using Tokenward.Authentication;
using Tokenward.Storage;

namespace Tokenward.Audit;

/// <summary>
/// Records audit events in <c>audit_events</c>, in the caller's transaction, so a change and its
/// event commit together or not at all. <c>audit_json.log</c> is fed from the table by the
/// <see cref="AuditShipper"/> (an outbox), which a commit nudges (<see cref="Publish"/>).
/// </summary>
public sealed class AuditLog(TokenwardDb db, AuditShipper shipper, TimeProvider clock, Hosting.TokenwardSettings instance)
{
    private static readonly JsonSerializerOptions DetailOptions = CreateDetailOptions();

    private readonly List<Action> _afterCommit = [];

    /// <summary>The advisory lock that orders audited transactions on PostgreSQL ("tw audit").</summary>
    private const long AuditOrderLock = 0x7477_6175_6469_74;

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
        // Always in a transaction of InTransactionAsync, for its order lock (see there).
        await InTransactionAsync(() => InsertAsync(events, ct), ct);
    }

    /// <summary>
    /// Multi-row INSERTs on the context's connection and transaction: bulk changes write an event
    /// per token, and EF's one-entity-at-a-time inserts made that most of an extend's time.
    /// </summary>
    private async Task InsertAsync(List<AuditEvent> events, CancellationToken ct)
    {
        var rowsPerStatement = instance.Database.Storage.RowsPerInsert;
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            foreach (var chunk in events.Chunk(rowsPerStatement))
            {
                await using var command = connection.CreateCommand();
                command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
                var sql = new System.Text.StringBuilder(
                    "INSERT INTO audit_events (author_id, author_name, entity_type, entity_id, event_name, target_type, target_id, ip_address, details, created_at) VALUES ");
                for (var i = 0; i < chunk.Length; i++)
                {
                    var e = chunk[i];
                    sql.Append(i == 0 ? "(" : ", (");
                    object?[] values = [e.AuthorId, e.AuthorName, e.EntityType, e.EntityId, e.EventName, e.TargetType, e.TargetId, e.IpAddress, e.Details, e.CreatedAt];
                    for (var c = 0; c < values.Length; c++)
                    {
                        var parameter = command.CreateParameter();
                        parameter.ParameterName = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"@p{i}_{c}");
                        parameter.Value = values[c] ?? DBNull.Value;
                        command.Parameters.Add(parameter);
                        sql.Append(c == 0 ? string.Empty : ", ").Append(parameter.ParameterName);
                    }

                    sql.Append(')');
                }

                command.CommandText = sql.Append(" RETURNING id").ToString();
                var ids = new List<long>(chunk.Length);
                await using (var reader = await command.ExecuteReaderAsync(ct))
                {
                    while (await reader.ReadAsync(ct))
                    {
                        ids.Add(reader.GetInt64(0));
                    }
                }

                // Identity values are drawn row by row as the VALUES are inserted, so in ascending order.
                ids.Sort();
                for (var i = 0; i < chunk.Length; i++)
                {
                    chunk[i].Id = ids[i];
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
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
    /// written after the commit, and forgotten if it fails. Inside a transaction already under way
    /// it simply joins it, so services that each keep their change whole compose into one.
    /// On PostgreSQL these transactions take one advisory lock first: event ids are drawn from a
    /// sequence before commit, and without the lock a transaction could commit id 12 while id 11's
    /// is still under way, so the shipper could not tell a hole that will fill from one that never
    /// will. With it, ids commit in order and any hole the shipper sees is a rollback, for good.
    /// SQLite has one writer at a time already.
    /// </summary>
    public async Task<T> InTransactionAsync<T>(Func<Task<T>> work, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            return await work();
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        try
        {
            await instance.Database.Storage.OrderCommitsAsync(db.Database, AuditOrderLock, ct);

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

    /// <summary>
    /// Runs <paramref name="action"/> once the current transaction has committed (at once without
    /// one); dropped if it rolls back. For forgetting cached tokens: forgotten before the commit, a
    /// lookup in between would cache the old row again.
    /// </summary>
    public void AfterCommit(Action action)
    {
        if (db.Database.CurrentTransaction is null)
        {
            action();
            return;
        }

        _afterCommit.Add(action);
    }

    public Task InTransactionAsync(Func<Task> work, CancellationToken ct) =>
        InTransactionAsync(async () =>
        {
            await work();
            return true;
        }, ct);

    /// <summary>After a commit: the shipper writes the new events' lines; the after-commit actions run.</summary>
    public void Publish()
    {
        shipper.Nudge();
        var actions = _afterCommit.ToList();
        _afterCommit.Clear();
        foreach (var action in actions)
        {
            action();
        }
    }

    /// <summary>Forgets the after-commit actions of a transaction that rolled back.</summary>
    public void Discard() => _afterCommit.Clear();

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
}
