namespace Tokenward.ResourceAccessTokens;

/// <summary>
/// A bot's resource tokens: the token it was made with (its first) and every successor of that
/// token by rotation. Anything else the bot holds it minted for itself.
/// </summary>
public sealed class BotLineage
{
    private readonly List<Row> _rows;

    private BotLineage(List<Row> rows, HashSet<long> ids)
    {
        _rows = rows;
        Ids = ids;
    }

    public IReadOnlySet<long> Ids { get; }

    /// <param name="tokens">All the bot's tokens, in id order.</param>
    public static BotLineage Of(IReadOnlyList<Row> tokens)
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

    /// <summary>Whether a resource token is still active, and the latest expiry among those (null: one never expires).</summary>
    public (bool HasActive, DateOnly? Latest) ActiveExpiry(DateOnly today)
    {
        var active = _rows.Where(t => !t.Revoked && (t.ExpiresAt is null || t.ExpiresAt > today)).ToList();
        if (active.Count == 0)
        {
            return (false, null);
        }

        return (true, active.Any(t => t.ExpiresAt is null) ? null : active.Max(t => t.ExpiresAt));
    }

    public sealed record Row(long Id, long? PreviousId, bool Revoked, DateOnly? ExpiresAt);
}
