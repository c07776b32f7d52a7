namespace Tokenward.ResourceAccessTokens;

/// <summary>
/// A bot's resource tokens: the token it was made with (its first) and every successor of that
/// token by rotation. Anything else the bot holds it minted for itself.
/// </summary>
public sealed class BotLineage
{
    private readonly List<BotTokenRow> _rows;

    private BotLineage(List<BotTokenRow> rows, HashSet<long> ids)
    {
        _rows = rows;
        Ids = ids;
    }

    public IReadOnlySet<long> Ids { get; }

    /// <param name="tokens">All the bot's tokens, in id order.</param>
    public static BotLineage Of(IReadOnlyList<BotTokenRow> tokens)
    {
        var ids = new HashSet<long>();
        if (tokens.Count > 0)
        {
            ids.Add(tokens[0].Id);
            // Ids grow with time, so a successor comes after its predecessor.
            foreach (var t in tokens.Skip(1))
            {
                if (t.PreviousId is { } previous && ids.Contains(previous))
                {
                    ids.Add(t.Id);
                }
            }
        }

        return new BotLineage(tokens.Where(t => ids.Contains(t.Id)).ToList(), ids);
    }

    /// <summary>Whether a resource token is active on <paramref name="today"/>, and until when.</summary>
    public LineageLife Life(DateOnly today)
    {
        var active = _rows.Where(t => TokenStates.IsActive(t.Revoked, t.ExpiresAt, today)).ToList();
        return active.Count == 0 ? LineageLife.Ended
            : active.Any(t => t.ExpiresAt is null) ? new LineageLife(true, null)
            : new LineageLife(true, active.Max(t => t.ExpiresAt));
    }
}

/// <summary>One of a bot's tokens, as far as its lineage goes.</summary>
public sealed record BotTokenRow(long Id, long? PreviousId, bool Revoked, DateOnly? ExpiresAt);

/// <summary>Whether a bot's resource tokens are alive, and the latest expiry among the active ones (null: one never expires).</summary>
public sealed record LineageLife(bool Active, DateOnly? Until)
{
    public static readonly LineageLife Ended = new(false, null);
}
