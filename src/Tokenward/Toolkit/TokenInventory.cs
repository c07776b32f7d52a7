using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Tokenward.Hosting;
using Tokenward.Storage;

namespace Tokenward.Toolkit;

/// <summary>
/// The toolkit's reports on Tokenward's own database, as plain SQL (<see cref="ReportSql"/>) on
/// a connection of their own: a CLI report is one process, and EF Core's start-up (pool, model,
/// query compilation) and per-row materialization cost it more than the query. Each report is one
/// statement, streamed: the database is read on a second thread, a few hundred rows ahead of the
/// writer, so reading and formatting overlap and memory does not grow with the result.
/// </summary>
public sealed class TokenInventory(TokenwardSettings settings) : ITokenReports
{
    private const int BatchSize = 256;

    /// <summary>Batches in flight between the reading thread and the writer: bounded, so memory stays flat.</summary>
    private const int BatchesAhead = 16;

    private readonly DatabaseTarget _target = settings.Database;

    private DatabaseEngine Engine => _target.Engine;

    /// <summary>Looks up the users, groups and projects the filters name.</summary>
    /// <exception cref="ToolkitException">when one does not exist, or a kind or scope is not one.</exception>
    public async Task<TokenFilter> ResolveAsync(FilterInput input, CancellationToken ct)
    {
        var filter = new TokenFilter { Kinds = input.CheckedKinds(), Scope = input.CheckedScope(), IncludeBlocked = input.IncludeBlocked };
        if (input.User is null && input.Group is null && input.Project is null)
        {
            return filter;
        }

        await using var connection = await _target.OpenAsync(ct);
        return await new FilterLookup(connection).ResolveAsync(filter, input, ct);
    }

    /// <summary>The tokens <paramref name="filter"/> selects, soonest expiry first, then by id.</summary>
    public IAsyncEnumerable<ReportRow> StreamAsync(TokenFilter filter, CancellationToken ct) => StreamAsync(ReportSql.Rows(Engine, filter), ct);

    public async Task<List<ReportRow>> FindAsync(IReadOnlyCollection<long> ids, CancellationToken ct) =>
        ids.Count == 0 ? [] : await StreamAsync(ReportSql.Find(Engine, ids), ct).ToListAsync(ct);

    /// <summary>
    /// The dates on which most of the selected tokens expire, most first (ties: soonest first):
    /// <c>dates_when_most_of_tokens_expire.rb</c>, over tokens still active after <paramref name="today"/>.
    /// </summary>
    public async Task<List<ExpiryDateCount>> ExpiryDatesAsync(TokenFilter filter, DateOnly today, int top, CancellationToken ct)
    {
        var active = filter with { ExpiresFrom = today.AddDays(1), NoExpiry = false };
        await using var connection = await _target.OpenAsync(ct);
        await using var command = ReportSql.ExpiryDates(Engine, active, top).CreateCommand(connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var dates = new List<ExpiryDateCount>();
        while (await reader.ReadAsync(ct))
        {
            // SQLite keeps dates as the text EF Core wrote; PostgreSQL has a date type.
            var date = Engine == DatabaseEngine.Sqlite
                ? DateOnly.ParseExact(reader.GetString(0), "yyyy-MM-dd", CultureInfo.InvariantCulture)
                : reader.GetFieldValue<DateOnly>(0);
            dates.Add(new ExpiryDateCount(date, checked((int)reader.GetInt64(1))));
        }

        return dates;
    }

    private async IAsyncEnumerable<ReportRow> StreamAsync(SqlStatement statement, [EnumeratorCancellation] CancellationToken ct)
    {
        var channel = Channel.CreateBounded<ReportRow[]>(new BoundedChannelOptions(BatchesAhead) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reading = Task.Run(() => ReadAsync(statement, channel.Writer, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var batch in channel.Reader.ReadAllAsync(ct))
            {
                foreach (var row in batch)
                {
                    yield return row;
                }
            }
        }
        finally
        {
            // The writer may stop early (an error, a closed pipe): the reading thread must not wait on a full channel.
            await stop.CancelAsync();
            await reading;
        }
    }

    /// <summary>Never throws: whatever goes wrong completes the channel with it, and the writer's side rethrows it.</summary>
    private async Task ReadAsync(SqlStatement statement, ChannelWriter<ReportRow[]> channel, CancellationToken ct)
    {
        try
        {
            await using var connection = await _target.OpenAsync(ct);
            var batch = new List<ReportRow>(BatchSize);
            if (connection is SqliteConnection sqlite)
            {
                foreach (var row in SqliteReportRows.Read(sqlite, statement, ct))
                {
                    await AddAsync(row);
                }
            }
            else
            {
                // Planner settings for this report's transaction alone (ReportSql.PostgresStreaming).
                await using var transaction = await connection.BeginTransactionAsync(ct);
                await using (var settings = connection.CreateCommand())
                {
                    settings.Transaction = transaction;
                    settings.CommandText = ReportSql.PostgresStreaming;
                    await settings.ExecuteNonQueryAsync(ct);
                }

                await using var command = statement.CreateCommand(connection);
                command.Transaction = transaction;
                await using var reader = await command.ExecuteReaderAsync(ct);
                var owners = new ReportOwners();
                while (await reader.ReadAsync(ct))
                {
                    await AddAsync(Row(reader, owners));
                }
            }

            if (batch.Count > 0)
            {
                await channel.WriteAsync([.. batch], ct);
            }

            channel.Complete();

            async ValueTask AddAsync(ReportRow row)
            {
                batch.Add(row);
                if (batch.Count == BatchSize)
                {
                    await channel.WriteAsync([.. batch], ct);
                    batch.Clear();
                }
            }
        }
        catch (Exception e)
        {
            channel.Complete(e);
        }
    }

    /// <summary>The columns of <see cref="ReportSql.Rows"/>, in its order, from PostgreSQL (an owner's columns once, <see cref="ReportOwners"/>).</summary>
    private static ReportRow Row(DbDataReader r, ReportOwners owners)
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
