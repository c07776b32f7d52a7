using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Tokenward.Storage;

/// <summary>
/// Adds up the time spent in database commands for the current request, for <c>db_duration_s</c>
/// in <c>api_json.log</c>. The counter flows with the request's async context.
/// </summary>
public static class DbTiming
{
    private static readonly AsyncLocal<StrongBox<long>?> Current = new();

    public static readonly IInterceptor Interceptor = new TimingInterceptor();

    /// <summary>Starts counting for the current async flow and returns the counter (ticks).</summary>
    public static StrongBox<long> Begin()
    {
        var box = new StrongBox<long>();
        Current.Value = box;
        return box;
    }

    /// <summary>Whether the database answered a command in the current flow (counting began).</summary>
    public static bool Answered => Current.Value is { Value: > 0 };

    private static void Add(TimeSpan duration)
    {
        if (Current.Value is { } box)
        {
            Interlocked.Add(ref box.Value, duration.Ticks);
        }
    }

    private sealed class TimingInterceptor : DbCommandInterceptor
    {
        public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
        {
            Add(eventData.Duration);
            return result;
        }

        public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
        {
            Add(eventData.Duration);
            return ValueTask.FromResult(result);
        }

        public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
        {
            Add(eventData.Duration);
            return result;
        }

        public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
        {
            Add(eventData.Duration);
            return ValueTask.FromResult(result);
        }

        public override object? ScalarExecuted(DbCommand command, CommandExecutedEventData eventData, object? result)
        {
            Add(eventData.Duration);
            return result;
        }

        public override ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default)
        {
            Add(eventData.Duration);
            return ValueTask.FromResult(result);
        }
    }
}
