using System.Diagnostics;

namespace Tokenward.Tests.Infrastructure;

/// <summary>
/// A time limit for a test's wait, on the monotonic clock. The wall clock of these machines is
/// stepped now and then: a wait measured with <see cref="DateTime.UtcNow"/> once ended at once,
/// failing two tests of a CI run at the same moment.
/// </summary>
public readonly struct Deadline
{
    private readonly long _start;
    private readonly TimeSpan _limit;

    private Deadline(TimeSpan limit) => (_start, _limit) = (Stopwatch.GetTimestamp(), limit);

    public static Deadline InSeconds(double seconds) => new(TimeSpan.FromSeconds(seconds));

    public bool Passed => Stopwatch.GetElapsedTime(_start) > _limit;
}
