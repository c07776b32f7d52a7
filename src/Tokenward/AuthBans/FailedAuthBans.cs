using System.Collections.Concurrent;
using System.Net;
using Tokenward.Hosting;

namespace Tokenward.AuthBans;

/// <summary>
/// Counts failed authentications per client address in a sliding window and bans an address that
/// crosses the threshold, as GitLab's Rack::Attack Allow2Ban does. The request that crosses the
/// threshold is still answered; later ones are refused until the ban ends. A successful
/// authentication clears the address's count. State lives in this process.
/// </summary>
public sealed class FailedAuthBans(TokenwardSettings settings, TimeProvider clock, ILogger<FailedAuthBans> logger)
{
    /// <summary>Beyond this many tracked addresses, those without recent failures are dropped.</summary>
    public const int MaxTrackedAddresses = 100_000;

    private readonly BanPolicy _policy = settings.BanPolicy;
    private readonly ConcurrentDictionary<IPAddress, Tracker> _trackers = new();
    private readonly ConcurrentDictionary<IPAddress, Ban> _bans = new();

    public bool Enabled => _policy.Enabled;

    /// <summary>The ban in force on this address, or null; notices (and logs) bans that ran out.</summary>
    public Ban? ActiveBan(IPAddress address)
    {
        if (!_policy.Enabled || !_bans.TryGetValue(address, out var ban))
        {
            return null;
        }

        if (clock.GetUtcNow() < ban.Until)
        {
            return ban;
        }

        if (_bans.TryRemove(new KeyValuePair<IPAddress, Ban>(address, ban)))
        {
            logger.BanEnded(address, "expired");
        }

        return null;
    }

    /// <summary>
    /// Counts one failure. Decided under the address's lock, so under any concurrency exactly
    /// <see cref="BanPolicy.MaxFailures"/> failures are answered normally before the ban and every
    /// later one (even one already in flight when the ban began) is refused as banned.
    /// </summary>
    public FailureOutcome RecordFailure(IPAddress address)
    {
        if (!_policy.Enabled || _policy.IsAllowlisted(address))
        {
            return FailureOutcome.Counted;
        }

        var now = clock.GetUtcNow();
        if (_trackers.Count >= MaxTrackedAddresses)
        {
            Prune(now);
        }

        var tracker = _trackers.GetOrAdd(address, _ => new Tracker());
        lock (tracker)
        {
            if (ActiveBan(address) is not null)
            {
                return FailureOutcome.AlreadyBanned;
            }

            tracker.Failures.Enqueue(now);
            while (tracker.Failures.Count > 0 && now - tracker.Failures.Peek() >= _policy.FindTime)
            {
                tracker.Failures.Dequeue();
            }

            if (tracker.Failures.Count < _policy.MaxFailures)
            {
                return FailureOutcome.Counted;
            }

            var failures = tracker.Failures.Count;
            tracker.Failures.Clear();
            var ban = new Ban(address, now, now + _policy.BanTime, failures);
            _bans[address] = ban;
            logger.AddressBanned(address, failures, (int)_policy.FindTime.TotalSeconds, ban.Until);
            return FailureOutcome.Banned;
        }
    }

    /// <summary>A successful authentication forgives the address's earlier failures.</summary>
    public void RecordSuccess(IPAddress address)
    {
        // ContainsKey is lock-free; IsEmpty and TryRemove would take locks on every request.
        if (_policy.Enabled && _trackers.ContainsKey(address))
        {
            _trackers.TryRemove(address, out _);
        }
    }

    /// <summary>Current failure count in the window for an address (for the admin view and tests).</summary>
    public int FailuresOf(IPAddress address)
    {
        if (!_trackers.TryGetValue(address, out var tracker))
        {
            return 0;
        }

        var now = clock.GetUtcNow();
        lock (tracker)
        {
            return tracker.Failures.Count(t => now - t < _policy.FindTime);
        }
    }

    public IReadOnlyList<Ban> ActiveBans() =>
        _bans.Keys.Select(ActiveBan).OfType<Ban>().OrderBy(b => b.BannedAt).ToList();

    /// <summary>Lifts a ban; returns false when the address was not banned.</summary>
    public bool Lift(IPAddress address)
    {
        _trackers.TryRemove(address, out _);
        if (ActiveBan(address) is null || !_bans.TryRemove(address, out _))
        {
            return false;
        }

        logger.BanEnded(address, "lifted by an administrator");
        return true;
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (address, tracker) in _trackers)
        {
            lock (tracker)
            {
                if (tracker.Failures.Count == 0 || now - tracker.Failures.Last() >= _policy.FindTime)
                {
                    _trackers.TryRemove(address, out _);
                }
            }
        }
    }

    private sealed class Tracker
    {
        public Queue<DateTimeOffset> Failures { get; } = new();
    }
}
