namespace Tokenward.LogAnalysis;

/// <summary>
/// The counts one pass over the logs produces. Each worker fills its own and they are merged at
/// the end, so memory grows with the number of distinct tokens, addresses and routes, never with
/// the size of the logs.
/// </summary>
public sealed class AuthFailureStats
{
    /// <summary>Malformed lines listed (for <c>--verbose</c>); beyond this they are only counted.</summary>
    public const int MaxMalformedListed = 1000;

    public long Lines { get; set; }

    public long Bytes { get; set; }

    public long Malformed { get; set; }

    /// <summary>Where malformed lines are in the input being scanned: (segment, line in segment); <see cref="LogScan"/> makes them absolute.</summary>
    public List<(int Segment, long Line)> MalformedAt { get; } = [];

    /// <summary>Failed authentications that passed the filters.</summary>
    public long Failures { get; set; }

    public Dictionary<string, long> ByReason { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, TokenFailures> ByToken { get; } = new(StringComparer.Ordinal);

    /// <summary>Failures of known tokens, by client address.</summary>
    public Dictionary<string, long> ByIp { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, long> ByRoute { get; } = new(StringComparer.Ordinal);

    /// <summary>Failures without a known token (unknown, malformed or missing): what trips the failed-authentication ban.</summary>
    public Dictionary<string, long> UnknownByIp { get; } = new(StringComparer.Ordinal);

    /// <summary>Failures per hour (UTC), keyed by the hour's start.</summary>
    public Dictionary<DateTime, long> Timeline { get; } = [];

    /// <summary>Failures per hour and reason (<c>unknown_token</c> for a value that matched no token), for the dashboard's chart.</summary>
    public Dictionary<(DateTime Hour, string Reason), long> ReasonTimeline { get; } = [];

    public DateTime? FirstSeen { get; private set; }

    public DateTime? LastSeen { get; private set; }

    public void Add(FailureLine line)
    {
        Failures++;
        var time = line.Time;
        if (time is { } t)
        {
            var hour = new DateTime(t.Year, t.Month, t.Day, t.Hour, 0, 0, DateTimeKind.Utc);
            Timeline[hour] = Timeline.GetValueOrDefault(hour) + 1;
            var key = (hour, line.Reason ?? (line.TokenId is null ? "unknown_token" : "unknown"));
            ReasonTimeline[key] = ReasonTimeline.GetValueOrDefault(key) + 1;
            var first = FirstSeen;
            var last = LastSeen;
            Widen(t, ref first, ref last);
            (FirstSeen, LastSeen) = (first, last);
        }

        var route = line.Route ?? line.Path ?? "(none)";
        ByRoute[route] = ByRoute.GetValueOrDefault(route) + 1;
        var ip = line.RemoteIp ?? "(none)";
        if (line.Reason is null && line.TokenId is null)
        {
            UnknownByIp[ip] = UnknownByIp.GetValueOrDefault(ip) + 1;
            return;
        }

        if (line.Reason is { } reason)
        {
            ByReason[reason] = ByReason.GetValueOrDefault(reason) + 1;
        }

        ByIp[ip] = ByIp.GetValueOrDefault(ip) + 1;
        if (line.TokenId is { } tokenId)
        {
            if (!ByToken.TryGetValue(tokenId, out var token))
            {
                ByToken[tokenId] = token = new TokenFailures();
            }

            token.Add(line);
        }
    }

    public void Merge(AuthFailureStats other)
    {
        Lines += other.Lines;
        Bytes += other.Bytes;
        Malformed += other.Malformed;

        Failures += other.Failures;
        MergeCounts(ByReason, other.ByReason);
        MergeCounts(ByIp, other.ByIp);
        MergeCounts(ByRoute, other.ByRoute);
        MergeCounts(UnknownByIp, other.UnknownByIp);
        MergeCounts(Timeline, other.Timeline);
        MergeCounts(ReasonTimeline, other.ReasonTimeline);
        var first = FirstSeen;
        var last = LastSeen;
        Widen(other.FirstSeen, ref first, ref last);
        Widen(other.LastSeen, ref first, ref last);
        (FirstSeen, LastSeen) = (first, last);
        foreach (var (id, token) in other.ByToken)
        {
            if (ByToken.TryGetValue(id, out var mine))
            {
                mine.Merge(token);
            }
            else
            {
                ByToken[id] = token;
            }
        }
    }

    public void AddMalformed(int segment, long line)
    {
        Malformed++;
        if (MalformedAt.Count < MaxMalformedListed)
        {
            MalformedAt.Add((segment, line));
        }
    }

    internal static void Widen(DateTime? time, ref DateTime? first, ref DateTime? last)
    {
        if (time is not { } t)
        {
            return;
        }

        if (first is null || t < first)
        {
            first = t;
        }

        if (last is null || t > last)
        {
            last = t;
        }
    }

    private static void MergeCounts<TKey>(Dictionary<TKey, long> into, Dictionary<TKey, long> from)
        where TKey : notnull
    {
        foreach (var (key, n) in from)
        {
            into[key] = into.GetValueOrDefault(key) + n;
        }
    }
}
