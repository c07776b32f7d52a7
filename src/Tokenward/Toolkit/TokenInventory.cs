using System.Runtime.CompilerServices;
using System.Threading.Channels;
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
            var date = _target.Storage.ReadDate(reader, 0);
            dates.Add(new ExpiryDateCount(date, checked((int)reader.GetInt64(1))) { ActiveWithDate = reader.GetInt64(2) });
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
            await foreach (var row in _target.Storage.ReadReportAsync(connection, statement, ct))
            {
                await AddAsync(row);
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
}
