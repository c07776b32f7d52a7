using System.Data.Common;
using Tokenward.Toolkit;

namespace Tokenward.Storage.Postgres;

/// <summary>Report rows from Npgsql's reader.</summary>
public static class PostgresReportRows
{
    /// <summary>The columns of <see cref="ReportSql.Rows"/>, in its order, from PostgreSQL (an owner's columns once, <see cref="ReportOwners"/>).</summary>
    public static ReportRow Row(DbDataReader r, ReportOwners owners)
    {
        var userId = r.GetInt64(3);
        var resourceId = r.IsDBNull(13) ? (long?)null : r.GetInt64(13);
        var resourceType = resourceId is null ? null : r.GetString(12);
        if (!owners.TryGet(userId, resourceType, resourceId, out var owner))
        {
            owner = owners.Add(userId, new(
                r.GetString(4),
                r.IsDBNull(5) ? null : r.GetString(5),
                r.GetString(6),
                resourceType,
                resourceId,
                r.IsDBNull(14) ? null : r.GetString(14)));
        }

        return new()
        {
            Id = r.GetInt64(0),
            Kind = r.GetString(1),
            Name = r.GetString(2),
            UserId = userId,
            Username = owner.Username,
            UserEmail = owner.Email,
            UserState = owner.State,
            Scopes = r.GetString(7),
            Revoked = r.GetBoolean(8),
            ExpiresAt = r.IsDBNull(9) ? null : r.GetFieldValue<DateOnly>(9),
            LastUsedAt = r.IsDBNull(10) ? null : r.GetFieldValue<DateTime>(10),
            CreatedAt = r.GetFieldValue<DateTime>(11),
            ResourceType = owner.ResourceType,
            ResourceId = owner.ResourceId,
            ResourcePath = owner.ResourcePath,
            ExpiryBackfilled = r.GetBoolean(15),
        };
    }
}
