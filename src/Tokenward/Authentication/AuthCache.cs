using System.Collections.Concurrent;
using Tokenward.Cluster;
using Tokenward.Hosting;
using Tokenward.Storage;

namespace Tokenward.Authentication;

/// <summary>
/// Remembers found tokens (with their owners) for a few seconds, so a client's steady stream of
/// requests costs one lookup per interval instead of one per request. Every change this process
/// makes to a token or its owner forgets the entry at once, and is told to the other nodes
/// (<see cref="NodeBus"/>: Redis or PostgreSQL), which forget it as soon as the message arrives.
/// Without either (SQLite, one node) a change made by a CLI process shows after at most
/// <see cref="TokenwardSettings.AuthCacheSeconds"/>; so does one missed while a node's channel
/// was down, and the node forgets everything when it is back. Expiry is still judged on every
/// request against the current date. Unknown values are never cached.
/// </summary>
public sealed class AuthCache
{
    private readonly TimeProvider _clock;
    private readonly NodeBus _bus;

    public AuthCache(TimeProvider clock, TokenwardSettings settings, NodeBus bus)
    {
        _clock = clock;
        _bus = bus;
        _ttlTicks = (long)(settings.AuthCacheSeconds * clock.TimestampFrequency);
        bus.On("forget-token", id => ForgetWhere(t => t.Id == Id(id)));
        bus.On("forget-user", id => ForgetWhere(t => t.UserId == Id(id)));
        bus.On("forget-all", _ => ClearHere());
        // A node that lost its channel may have missed a revocation: it starts over.
        bus.Reconnected += ClearHere;
    }

    /// <summary>Beyond this many entries the cache starts over rather than grow without bound.</summary>
    public const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, Entry> _byDigest = new(StringComparer.Ordinal);
    private readonly long _ttlTicks;

    // Bumped by every forget. A lookup that read the database before a revocation committed must
    // not put its stale copy back after the revocation has forgotten the token.
    private long _generation;

    public bool Enabled => _ttlTicks > 0;

    public PersonalAccessToken? Get(string digest)
    {
        if (!Enabled || !_byDigest.TryGetValue(digest, out var entry))
        {
            return null;
        }

        if (_clock.GetTimestamp() < entry.Until)
        {
            return entry.Token;
        }

        _byDigest.TryRemove(new KeyValuePair<string, Entry>(digest, entry));
        return null;
    }

    /// <summary>Take before reading the database; pass to <see cref="Add"/>.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Remembers a token read from the database, unless something was forgotten since <paramref name="generation"/>.</summary>
    public void Add(string digest, PersonalAccessToken token, long generation)
    {
        if (!Enabled || generation != Generation)
        {
            return;
        }

        if (_byDigest.Count >= MaxEntries)
        {
            _byDigest.Clear();
        }

        var entry = new Entry(token, _clock.GetTimestamp() + _ttlTicks);
        _byDigest[digest] = entry;
        if (generation != Generation)
        {
            // A forget ran between the check and the insert and may have missed this entry.
            _byDigest.TryRemove(new KeyValuePair<string, Entry>(digest, entry));
        }
    }

    /// <summary>Forgets everything, here and on every node, after a bulk change.</summary>
    public void Clear()
    {
        ClearHere();
        _bus.Publish("forget-all", "0");
    }

    /// <summary>Forgets a token, here and on every node.</summary>
    public void ForgetToken(long tokenId)
    {
        ForgetWhere(t => t.Id == tokenId);
        _bus.Publish("forget-token", tokenId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Forgets a user's tokens, here and on every node.</summary>
    public void ForgetUser(long userId)
    {
        ForgetWhere(t => t.UserId == userId);
        _bus.Publish("forget-user", userId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static long Id(string text) =>
        long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : -1;

    private void ClearHere()
    {
        Interlocked.Increment(ref _generation);
        _byDigest.Clear();
    }

    private void ForgetWhere(Func<PersonalAccessToken, bool> match)
    {
        Interlocked.Increment(ref _generation);
        foreach (var (digest, entry) in _byDigest)
        {
            if (match(entry.Token))
            {
                _byDigest.TryRemove(digest, out _);
            }
        }
    }

    private sealed record Entry(PersonalAccessToken Token, long Until);
}
