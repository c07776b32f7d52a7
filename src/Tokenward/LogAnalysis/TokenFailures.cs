namespace Tokenward.LogAnalysis;

/// <summary>Everything seen about one failing token: when, why, and from where it is still used.</summary>
public sealed class TokenFailures
{
    /// <summary>Distinct addresses, agents and paths kept per token; beyond this they are counted, not listed.</summary>
    public const int MaxDistinct = 1000;

    public long Count { get; set; }

    public DateTime? FirstSeen { get; set; }

    public DateTime? LastSeen { get; set; }

    public Dictionary<string, long> Reasons { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Ips { get; } = new(StringComparer.Ordinal);

    public HashSet<string> UserAgents { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Paths { get; } = new(StringComparer.Ordinal);

    /// <summary>The scopes the endpoints asked for, as logged with insufficient-scope failures.</summary>
    public HashSet<string> RequestedScopes { get; } = new(StringComparer.Ordinal);

    /// <summary>The owner's username, when the log names it (GitLab 18.9+, Tokenward).</summary>
    public string? User { get; set; }

    public void Add(FailureLine line)
    {
        Count++;
        Widen(line.Time);
        if (line.Reason is { } reason)
        {
            Reasons[reason] = Reasons.GetValueOrDefault(reason) + 1;
        }

        AddCapped(Ips, line.RemoteIp);
        AddCapped(UserAgents, line.UserAgent);
        AddCapped(Paths, line.Path);
        AddCapped(RequestedScopes, line.RequestedScopes);
        User ??= line.User;
    }

    public void Merge(TokenFailures other)
    {
        Count += other.Count;
        Widen(other.FirstSeen);
        Widen(other.LastSeen);
        foreach (var (reason, n) in other.Reasons)
        {
            Reasons[reason] = Reasons.GetValueOrDefault(reason) + n;
        }

        foreach (var ip in other.Ips)
        {
            AddCapped(Ips, ip);
        }

        foreach (var ua in other.UserAgents)
        {
            AddCapped(UserAgents, ua);
        }

        foreach (var path in other.Paths)
        {
            AddCapped(Paths, path);
        }

        foreach (var scopes in other.RequestedScopes)
        {
            AddCapped(RequestedScopes, scopes);
        }

        User ??= other.User;
    }

    private void Widen(DateTime? time)
    {
        var (first, last) = (FirstSeen, LastSeen);
        AuthFailureStats.Widen(time, ref first, ref last);
        (FirstSeen, LastSeen) = (first, last);
    }

    private static void AddCapped(HashSet<string> set, string? value)
    {
        if (value is not null && set.Count < MaxDistinct)
        {
            set.Add(value);
        }
    }
}
