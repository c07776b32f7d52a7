using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Tokenward.Hosting;
using Tokenward.Storage;

namespace Tokenward.Toolkit;

/// <summary>
/// Runs <see cref="ReportSql"/> on its own connection and streams the rows (on SQLite through
/// <see cref="SqliteReportRows"/>, on PostgreSQL through Npgsql's reader). The database is
/// read on a second thread, a few hundred rows ahead of the writer, so reading and formatting a
/// hundred thousand rows overlap instead of taking turns.
/// </summary>
public sealed class ReportReader(TokenwardSettings settings)
{
    private const int BatchSize = 256;

    /// <summary>Batches in flight between the reading thread and the writer: bounded, so memory stays flat.</summary>
    private const int BatchesAhead = 16;

    private readonly DatabaseTarget _target = settings.Database;

    private bool Sqlite => _target.Engine == DatabaseEngine.Sqlite;

    /// <summary>The tokens <paramref name="filter"/> selects, soonest expiry first, then by id.</summary>
    public async IAsyncEnumerable<ReportRow> StreamAsync(ReportFilter filter, [EnumeratorCancellation] CancellationToken ct)
    {
        var statement = ReportSql.Rows(_target.Engine, filter);
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

    /// <summary>The selected tokens' expiry dates with how many expire on each, most first.</summary>
    public async Task<List<ExpiryDateCount>> ExpiryDatesAsync(ReportFilter filter, int top, CancellationToken ct)
    {
        await using var connection = await _target.OpenAsync(ct);
        await using var command = Command(connection, ReportSql.ExpiryDates(_target.Engine, filter, top));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var dates = new List<ExpiryDateCount>();
        while (await reader.ReadAsync(ct))
        {
            dates.Add(new ExpiryDateCount(Date(reader, 0), checked((int)reader.GetInt64(1))));
        }

        return dates;
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
                await using var command = Command(connection, statement);
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    await AddAsync(Row(reader));
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

    private static DbCommand Command(DbConnection connection, SqlStatement statement)
    {
        var command = connection.CreateCommand();
        command.CommandText = statement.Text;
        foreach (var (name, value) in statement.Parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    /// <summary>The columns of <see cref="ReportSql.Rows"/>, in its order, from PostgreSQL.</summary>
    private static ReportRow Row(DbDataReader r) => new()
    {
        Id = r.GetInt64(0),
        Kind = r.GetString(1),
        Name = r.GetString(2),
        UserId = r.GetInt64(3),
        Username = r.GetString(4),
        UserEmail = r.IsDBNull(5) ? null : r.GetString(5),
        UserState = r.GetString(6),
        Scopes = r.GetString(7),
        Revoked = r.GetBoolean(8),
        ExpiresAt = r.IsDBNull(9) ? null : r.GetFieldValue<DateOnly>(9),
        LastUsedAt = r.IsDBNull(10) ? null : r.GetFieldValue<DateTime>(10),
        CreatedAt = r.GetFieldValue<DateTime>(11),
        ResourceType = r.IsDBNull(12) ? null : r.GetString(12),
        ResourceId = r.IsDBNull(13) ? null : r.GetInt64(13),
        ResourcePath = r.IsDBNull(14) ? null : r.GetString(14),
        ExpiryBackfilled = r.GetBoolean(15),
    };

    /// <summary>SQLite keeps dates as the text EF Core wrote; PostgreSQL has a date type.</summary>
    private DateOnly Date(DbDataReader r, int column) => Sqlite
        ? DateOnly.ParseExact(r.GetString(column), "yyyy-MM-dd", CultureInfo.InvariantCulture)
        : r.GetFieldValue<DateOnly>(column);
}
