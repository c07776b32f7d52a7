using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Tokenward.ApiLog;
using Tokenward.AuthBans;
using Tokenward.Cluster;
using Tokenward.Storage;

namespace Tokenward.Hosting.Metrics;

/// <summary>
/// The gauges of <c>/-/metrics</c>. The token counts come from one aggregate query (tokens by
/// kind, state and expiry date) run every <c>TOKENWARD_METRICS_REFRESH_SECONDS</c>, so a scrape
/// reads numbers already counted and costs nothing at a million tokens; the rest are read live.
/// </summary>
public sealed class TokenGauges : BackgroundService
{
    private static readonly int[] Windows = [7, 30, 60];

    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _clock;
    private readonly TokenwardSettings _settings;
    private readonly ILogger<TokenGauges> _logger;
    private readonly StartupGate _gate;
    private Snapshot? _snapshot;

    public TokenGauges(IServiceScopeFactory scopes, TimeProvider clock, TokenwardSettings settings, FailedAuthBans bans, RedisLink redis, ApiJsonLog apiLog, StartupGate gate, IMeterFactory meters, ILogger<TokenGauges> logger)
    {
        _gate = gate;
        _scopes = scopes;
        _clock = clock;
        _settings = settings;
        _logger = logger;
        // The container's own meter (disposed with it), so two servers in one process never mix.
        var meter = meters.Create(TokenwardMetrics.MeterName);
        meter.CreateObservableGauge("tokenward.tokens", () => _snapshot?.ByKindAndState ?? [], description: "Tokens by kind and state (active, expired, revoked)");
        meter.CreateObservableGauge("tokenward.tokens.expiring", () => _snapshot?.Expiring ?? [], description: "Active tokens that expire within the next 7, 30 and 60 days");
        meter.CreateObservableGauge("tokenward.expiry_cliff.largest", () => _snapshot?.LargestCliff ?? [],
            description: "Active tokens expiring on the largest expiry cliff ahead (0 when there is none), labelled with its date");
        meter.CreateObservableGauge("tokenward.tokens.counted_at", () => _snapshot is { } s ? [new Measurement<double>(s.At.ToUnixTimeMilliseconds() / 1000.0)] : Array.Empty<Measurement<double>>(),
            unit: "s", description: "When the token gauges were last counted (Unix time)");
        meter.CreateObservableGauge("tokenward.tokens.count_duration", () => _snapshot is { } s ? [new Measurement<double>(s.Took.TotalSeconds)] : Array.Empty<Measurement<double>>(),
            unit: "s", description: "How long the last count of the token gauges took");
        meter.CreateObservableGauge("tokenward.auth_bans.active", () => bans.ActiveBanCount, description: "Addresses banned for failed authentications now");
        meter.CreateObservableGauge("tokenward.redis.connected", () => redis.Configured ? [new Measurement<int>(redis.Connected ? 1 : 0)] : Array.Empty<Measurement<int>>(),
            description: "1 while the shared Redis is reachable (absent without Redis)");
        meter.CreateObservableGauge("tokenward.api_log.lines.queued", () => apiLog.QueuedLines, description: "api_json.log lines waiting for the writer");
        meter.CreateObservableCounter("tokenward.api_log.lines.written", () => apiLog.WrittenLines, description: "api_json.log lines written");
        meter.CreateObservableCounter("tokenward.api_log.lines.dropped", () => apiLog.LostLines, description: "api_json.log lines that could not be written (a full disk)");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // Not before the schema is migrated and root made.
            await _gate.Opened.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException && (DatabaseUnavailable.Is(e) || e is DbUpdateException or InvalidOperationException))
            {
                // The last numbers stay, with their time: a scrape still answers while the database is away.
                _logger.TokenGaugesFailed(e.GetBaseException().Message);
            }

            try
            {
                // Real time, not the instance's clock: a test's frozen clock must not stop the count.
                await Task.Delay(_settings.MetricsRefresh, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Counts again now (also for tests).</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        var started = _clock.GetTimestamp();
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
        var rows = await (
            from t in db.PersonalAccessTokens
            join u in db.Users on t.UserId equals u.Id
            let source = db.Members.Where(m => m.UserId == u.Id).Select(m => m.SourceType).FirstOrDefault()
            group t by new { t.Impersonation, Bot = u.UserType == UserTypes.ProjectBot, Source = source, t.Revoked, t.ExpiresAt } into g
            select new { g.Key.Impersonation, g.Key.Bot, g.Key.Source, g.Key.Revoked, g.Key.ExpiresAt, Count = g.LongCount() }).ToListAsync(ct);

        var today = TokenStates.Today(_clock);
        var byKindAndState = TokenKinds.All.SelectMany(k => Enum.GetValues<TokenState>().Select(s => (Kind: k, State: s.Name()))).ToDictionary(x => x, _ => 0L);
        var activeByDay = new Dictionary<DateOnly, long>();
        foreach (var r in rows)
        {
            var state = TokenStates.Of(r.Revoked, r.ExpiresAt, today);
            byKindAndState[(TokenKinds.Of(r.Impersonation, r.Bot, Member.ResourceOf(r.Source)).Name(), state.Name())] += r.Count;
            if (state == TokenState.Active && r.ExpiresAt is { } day)
            {
                activeByDay[day] = activeByDay.GetValueOrDefault(day) + r.Count;
            }
        }

        var activeWithDate = activeByDay.Values.Sum();
        var cliff = activeByDay.Where(d => ExpiryCliffs.IsCliff(d.Value, activeWithDate, _settings.ExpiryCliffPercent)).OrderByDescending(d => d.Value).ThenBy(d => d.Key).FirstOrDefault();
        _snapshot = new Snapshot(
            _clock.GetUtcNow(),
            _clock.GetElapsedTime(started),
            [.. byKindAndState.Select(x => new Measurement<long>(x.Value, new("kind", x.Key.Kind), new("state", x.Key.State)))],
            [.. Windows.Select(w => new Measurement<long>(
                activeByDay.Where(d => d.Key.DayNumber - today.DayNumber <= w).Sum(d => d.Value),
                new KeyValuePair<string, object?>("within_days", w.ToString(System.Globalization.CultureInfo.InvariantCulture))))],
            [cliff.Value > 0
                ? new Measurement<long>(cliff.Value, new KeyValuePair<string, object?>("date", cliff.Key.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)))
                : new Measurement<long>(0)]);
    }

    private sealed record Snapshot(DateTimeOffset At, TimeSpan Took, Measurement<long>[] ByKindAndState, Measurement<long>[] Expiring, Measurement<long>[] LargestCliff);
}
