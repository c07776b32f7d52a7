using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using StackExchange.Redis;
using Tokenward.Cluster;
using Tokenward.Hosting;

namespace Tokenward.AuthBans;

/// <summary>
/// Counts failed authentications per client address in a sliding window and bans an address that
/// crosses the threshold, as GitLab's Rack::Attack Allow2Ban does. The request that crosses the
/// threshold is still answered; later ones are refused until the ban ends. A successful
/// authentication clears the address's count.
/// With <c>TOKENWARD_REDIS_URL</c> the counts and bans live in Redis, shared by every node (one
/// script decides each failure atomically, so a flood spread over nodes is banned at the same
/// count as on one), and each node keeps a copy of the bans, told by the others over
/// <see cref="NodeBus"/>, so the check on every request costs no round trip. While Redis is away
/// each node counts on its own, as without Redis, and takes up the shared state when it is back.
/// </summary>
public sealed class FailedAuthBans
{
    /// <summary>Beyond this many tracked addresses, those without recent failures are dropped.</summary>
    public const int MaxTrackedAddresses = 100_000;

    private const string Prefix = "tokenward:auth_ban:";
    private const string BansKey = Prefix + "bans";

    // KEYS: the address's failures (a sorted set of times), its ban (a hash), the index of bans.
    // ARGV: now (ms), window (ms), threshold, ban time (ms), this failure's member, the address.
    // Returns {0} counted, {1, at, until, failures} banned by this one, {2, at, until, failures} already banned.
    private const string CountScript = """
        local ban = redis.call('HMGET', KEYS[2], 'at', 'until', 'failures')
        if ban[2] and tonumber(ban[2]) > tonumber(ARGV[1]) then
          return {2, ban[1], ban[2], ban[3]}
        end
        redis.call('ZADD', KEYS[1], ARGV[1], ARGV[5])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
        local n = redis.call('ZCARD', KEYS[1])
        if n < tonumber(ARGV[3]) then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return {0}
        end
        redis.call('DEL', KEYS[1])
        local untilms = tonumber(ARGV[1]) + tonumber(ARGV[4])
        redis.call('HSET', KEYS[2], 'at', ARGV[1], 'until', untilms, 'failures', n)
        redis.call('PEXPIRE', KEYS[2], ARGV[4])
        redis.call('ZADD', KEYS[3], untilms, ARGV[6])
        return {1, ARGV[1], tostring(untilms), tostring(n)}
        """;

    private readonly BanPolicy _policy;
    private readonly TimeProvider _clock;
    private readonly ILogger<FailedAuthBans> _logger;
    private readonly RedisLink _redis;
    private readonly NodeBus _bus;
    private readonly ConcurrentDictionary<IPAddress, Tracker> _trackers = new();
    private readonly ConcurrentDictionary<IPAddress, Ban> _bans = new();

    // Addresses whose failures this node counted in Redis: only their successes clear the shared
    // count, so a success costs no round trip (measured: clearing on every success cost 60 % of
    // the authenticated requests/s).
    private readonly ConcurrentDictionary<IPAddress, byte> _countedShared = new();
    // Each failure is a member of the address's sorted set, so it must be unique across nodes
    // (two nodes' clocks can read the same millisecond, and process ids repeat across hosts).
    private readonly string _node = Guid.NewGuid().ToString("N")[..12];
    private long _failureSerial;

    public FailedAuthBans(TokenwardSettings settings, TimeProvider clock, ILogger<FailedAuthBans> logger, RedisLink redis, NodeBus bus)
    {
        _policy = settings.BanPolicy;
        _clock = clock;
        _logger = logger;
        _redis = redis;
        _bus = bus;
        bus.On("ban", argument =>
        {
            if (ParseBan(argument) is { } ban)
            {
                _bans[ban.Address] = ban;
            }
        });
        bus.On("ban-lifted", argument =>
        {
            if (IPAddress.TryParse(argument, out var address))
            {
                _trackers.TryRemove(address, out _);
                _bans.TryRemove(address, out _);
            }
        });
        if (redis.Configured)
        {
            // What changed while this node was cut off: bans made or lifted elsewhere.
            redis.Restored += () => _ = SyncAsync();
        }
    }

    public bool Enabled => _policy.Enabled;

    /// <summary>Bans in force that this node knows of (every node's, with Redis).</summary>
    public int ActiveBanCount
    {
        get
        {
            var now = _clock.GetUtcNow();
            return _bans.Values.Count(b => now < b.Until);
        }
    }

    /// <summary>Whether failures are counted in Redis, shared by every node, right now.</summary>
    public bool Shared => _redis.Connected;

    /// <summary>The ban in force on this address, or null; notices (and logs) bans that ran out.</summary>
    public Ban? ActiveBan(IPAddress address)
    {
        if (!_policy.Enabled || !_bans.TryGetValue(address, out var ban))
        {
            return null;
        }

        if (_clock.GetUtcNow() < ban.Until)
        {
            return ban;
        }

        if (_bans.TryRemove(new KeyValuePair<IPAddress, Ban>(address, ban)))
        {
            _logger.BanEnded(address, "expired");
        }

        return null;
    }

    /// <summary>
    /// Counts one failure. Decided atomically (in Redis, or under the address's lock here), so
    /// under any concurrency exactly <see cref="BanPolicy.MaxFailures"/> failures are answered
    /// normally before the ban and every later one (even one already in flight when the ban
    /// began, on whatever node) is refused as banned.
    /// </summary>
    public async ValueTask<FailureOutcome> RecordFailureAsync(IPAddress address)
    {
        if (!_policy.Enabled || _policy.IsAllowlisted(address))
        {
            return FailureOutcome.Counted;
        }

        if (_redis.Database is { } redis)
        {
            try
            {
                return await RecordSharedAsync(redis, address);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                _logger.RedisBanFallback(address.ToString(), e.Message);
            }
        }

        return RecordHere(address);
    }

    private async Task<FailureOutcome> RecordSharedAsync(IDatabase redis, IPAddress address)
    {
        var now = _clock.GetUtcNow();
        var ip = address.ToString();
        var member = $"{_node}-{Interlocked.Increment(ref _failureSerial)}";
        var result = (RedisResult[])(await redis.ScriptEvaluateAsync(
            CountScript,
            [Prefix + "failures:" + ip, Prefix + "ban:" + ip, BansKey],
            [now.ToUnixTimeMilliseconds(), (long)_policy.FindTime.TotalMilliseconds, _policy.MaxFailures, (long)_policy.BanTime.TotalMilliseconds, member, ip]))!;
        var outcome = (FailureOutcome)(int)result[0];
        if (outcome == FailureOutcome.Counted)
        {
            if (_countedShared.Count >= MaxTrackedAddresses)
            {
                _countedShared.Clear();
            }

            _countedShared[address] = 0;
            return outcome;
        }

        var ban = new Ban(address, Time((long)result[1]), Time((long)result[2]), (int)result[3]);
        _bans[address] = ban;
        if (outcome == FailureOutcome.Banned)
        {
            _logger.AddressBanned(address, ban.Failures, (int)_policy.FindTime.TotalSeconds, ban.Until);
            _bus.Publish("ban", FormatBan(ban));
        }

        return outcome;
    }

    private FailureOutcome RecordHere(IPAddress address)
    {
        var now = _clock.GetUtcNow();
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
            _logger.AddressBanned(address, failures, (int)_policy.FindTime.TotalSeconds, ban.Until);
            return FailureOutcome.Banned;
        }
    }

    /// <summary>
    /// A successful authentication forgives the address's earlier failures: all of them, on every
    /// node, once this node has counted one of them (behind a balancer an address that fails
    /// meets every node, so its next success on any of them forgives).
    /// </summary>
    public void RecordSuccess(IPAddress address)
    {
        if (!_policy.Enabled)
        {
            return;
        }

        // ContainsKey is lock-free; IsEmpty and TryRemove would take locks on every request.
        if (_trackers.ContainsKey(address))
        {
            _trackers.TryRemove(address, out _);
        }

        // Sent without waiting, in order with this connection's later counts.
        if (_countedShared.ContainsKey(address) && _countedShared.TryRemove(address, out _))
        {
            _redis.Database?.KeyDelete(Prefix + "failures:" + address, CommandFlags.FireAndForget);
        }
    }

    /// <summary>Current failure count in the window for an address (this node's own count).</summary>
    public int FailuresOf(IPAddress address)
    {
        if (!_trackers.TryGetValue(address, out var tracker))
        {
            return 0;
        }

        var now = _clock.GetUtcNow();
        lock (tracker)
        {
            return tracker.Failures.Count(t => now - t < _policy.FindTime);
        }
    }

    /// <summary>The bans in force, every node's when Redis is there.</summary>
    public async Task<IReadOnlyList<Ban>> ActiveBansAsync()
    {
        await SyncAsync();
        return _bans.Keys.Select(ActiveBan).OfType<Ban>().OrderBy(b => b.BannedAt).ToList();
    }

    /// <summary>Lifts a ban, on every node; returns false when the address was not banned.</summary>
    public async Task<bool> LiftAsync(IPAddress address)
    {
        _trackers.TryRemove(address, out _);
        var lifted = ActiveBan(address) is not null && _bans.TryRemove(address, out _);
        if (_redis.Database is { } redis)
        {
            var ip = address.ToString();
            try
            {
                var removed = await redis.KeyDeleteAsync([Prefix + "ban:" + ip, Prefix + "failures:" + ip]);
                await redis.SortedSetRemoveAsync(BansKey, ip);
                lifted |= removed > 0;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                _logger.RedisBanFallback(ip, e.Message);
            }
        }

        if (lifted)
        {
            _logger.BanEnded(address, "lifted by an administrator");
            _bus.Publish("ban-lifted", address.ToString());
        }

        return lifted;
    }

    /// <summary>Takes the bans in force from Redis (at start, after a loss, before a listing).</summary>
    public async Task SyncAsync()
    {
        if (_redis.Database is not { } redis)
        {
            return;
        }

        try
        {
            var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
            var banned = await redis.SortedSetRangeByScoreAsync(BansKey, now, double.PositiveInfinity, Exclude.Start);
            foreach (var ip in banned)
            {
                var fields = await redis.HashGetAsync(Prefix + "ban:" + ip, ["at", "until", "failures"]);
                if (IPAddress.TryParse(ip.ToString(), out var address) && fields.All(f => f.HasValue))
                {
                    var ban = new Ban(address, Time((long)fields[0]), Time((long)fields[1]), (int)fields[2]);
                    _bans[address] = ban;
                }
            }

            await redis.SortedSetRemoveRangeByScoreAsync(BansKey, double.NegativeInfinity, now);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            _logger.RedisBanFallback("(every address)", e.Message);
        }
    }

    private static DateTimeOffset Time(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs);

    private static string FormatBan(Ban ban) => string.Join(',',
        ban.Address, ban.BannedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        ban.Until.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), ban.Failures.ToString(CultureInfo.InvariantCulture));

    private static Ban? ParseBan(string text)
    {
        var parts = text.Split(',');
        return parts.Length == 4 && IPAddress.TryParse(parts[0], out var address)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var at)
            && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var until)
            && int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var failures)
            ? new Ban(address, Time(at), Time(until), failures) : null;
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
