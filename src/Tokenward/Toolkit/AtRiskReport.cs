namespace Tokenward.Toolkit;

/// <summary>
/// Tokens at risk: active, expiring within a period, and used within another (their
/// <c>last_used_at</c>), so their expiry will break a client. Ordered by how much traffic breaks:
/// the calls per day from a log when one was read, else the most recent use, then the soonest
/// expiry. Works on any <see cref="ITokenReports"/>: the database or a remote API.
/// </summary>
public static class AtRiskReport
{
    /// <param name="calls">Successful calls per token id and the days the log covers; null without a log.</param>
    public static async Task<List<AtRiskToken>> SelectAsync(
        ITokenReports reports, TokenFilter filter, DateOnly today, Period within, Period usedWithin, LogAnalysis.TokenCallCounts? calls, CancellationToken ct)
    {
        var to = within.TryAfter(today) ?? throw new ToolkitException("within: the period would end after 9999-12-31");
        // Used on or after this day: --used-within 30d on 2026-06-30 counts uses from 2026-05-31 on.
        var usedSince = usedWithin.TryBefore(today) ?? DateOnly.MinValue;
        var selected = filter with { ExpiresFrom = today.AddDays(1), ExpiresTo = to, NoExpiry = false, UsedFrom = usedSince };
        // The selection (the database's SQL, or the remote rows' filter) leaves out revoked and unused tokens.
        var atRisk = new List<AtRiskToken>();
        await foreach (var row in reports.StreamAsync(selected, ct))
        {
            atRisk.Add(AtRiskToken.For(row, row.ExpiresAt!.Value.DayNumber - today.DayNumber, calls?.PerDay(row.Id)));
        }

        return [.. atRisk
            .OrderByDescending(t => t.CallsPerDay ?? 0)
            .ThenByDescending(t => t.Token.LastUsedAt)
            .ThenBy(t => t.Token.ExpiresAt)
            .ThenBy(t => t.Token.Id)];
    }
}
