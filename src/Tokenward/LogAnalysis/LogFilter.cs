namespace Tokenward.LogAnalysis;

/// <summary>Which failures to count: <c>--since</c>, <c>--until</c>, <c>--reason</c>, <c>--token-id</c>, <c>--status</c>, <c>--ip</c>, <c>--path</c>.</summary>
public sealed record LogFilter
{
    public DateTime? Since { get; init; }

    public DateTime? Until { get; init; }

    public string? Reason { get; init; }

    /// <summary><c>PersonalAccessToken/12</c> or just <c>12</c>.</summary>
    public string? TokenId { get; init; }

    public int? Status { get; init; }

    public string? Ip { get; init; }

    /// <summary>An exact path, or a prefix ending in <c>*</c>.</summary>
    public string? Path { get; init; }

    public bool Matches(FailureLine line)
    {
        if ((Since is { } since && (line.Time is not { } t1 || t1 < since)) || (Until is { } until && (line.Time is not { } t2 || t2 >= until)))
        {
            return false;
        }

        if (Reason is not null && line.Reason != Reason)
        {
            return false;
        }

        if (TokenId is { } id && line.TokenId != id && !(line.TokenId?.EndsWith("/" + id, StringComparison.Ordinal) ?? false))
        {
            return false;
        }

        if ((Status is { } status && line.Status != status) || (Ip is not null && line.RemoteIp != Ip))
        {
            return false;
        }

        return Path switch
        {
            null => true,
            _ when Path.EndsWith('*') => line.Path?.StartsWith(Path[..^1], StringComparison.Ordinal) ?? false,
            _ => line.Path == Path,
        };
    }
}
