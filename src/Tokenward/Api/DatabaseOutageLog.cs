namespace Tokenward.Api;

/// <summary>
/// What the application log says about a database outage: that it began, every
/// <see cref="ReportEvery"/> while it lasts how many requests were answered 503, and that it is
/// over, instead of a line (or a stack trace) per request.
/// </summary>
public sealed class DatabaseOutageLog(TimeProvider clock, ILogger<DatabaseOutageLog> logger)
{
    public static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private long? _since;
    private long _lastReport;
    private long _refused;

    /// <summary>How many outages have begun: a request remembers it when it starts.</summary>
    private long _outages;

    public void Refused(Exception cause)
    {
        lock (_gate)
        {
            var now = clock.GetTimestamp();
            _refused++;
            if (_since is null)
            {
                _since = _lastReport = now;
                Interlocked.Increment(ref _outages);
                var reason = cause.GetBaseException().Message;
                logger.DatabaseOutageBegan(reason);
            }
            else if (clock.GetElapsedTime(_lastReport, now) >= ReportEvery)
            {
                _lastReport = now;
                var seconds = clock.GetElapsedTime(_since.Value, now).TotalSeconds;
                var reason = cause.GetBaseException().Message;
                logger.DatabaseOutageLasting(seconds, _refused, reason);
            }
        }
    }

    /// <summary>What to pass to <see cref="Answered"/>, taken when a request starts.</summary>
    public long Epoch() => Interlocked.Read(ref _outages);

    /// <summary>
    /// The database answered a request that started in <paramref name="startedIn"/>: an outage, if
    /// there was one, is over. Not for a request already under way when the outage began: its
    /// query may have been answered just before, which says nothing about the database now.
    /// </summary>
    public void Answered(long startedIn)
    {
        if (Volatile.Read(ref _refused) == 0)
        {
            return;
        }

        lock (_gate)
        {
            if (_since is { } since && startedIn == _outages)
            {
                var seconds = clock.GetElapsedTime(since).TotalSeconds;
                logger.DatabaseOutageOver(seconds, _refused);
                _since = null;
                _refused = 0;
            }
        }
    }
}
