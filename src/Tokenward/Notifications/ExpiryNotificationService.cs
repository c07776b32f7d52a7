using Tokenward.Hosting;

namespace Tokenward.Notifications;

/// <summary>Runs <see cref="ExpiryNotifier"/> in <c>tokenward serve</c> at the configured interval.</summary>
public sealed partial class ExpiryNotificationService(
    IServiceScopeFactory scopes, TimeProvider clock, TokenwardSettings settings, IHostApplicationLifetime lifetime, ILogger<ExpiryNotificationService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Not before the server listens: the notices link to its address when no external URL is set.
        var started = new TaskCompletionSource();
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        await using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<ExpiryNotifier>().RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogRunFailed(logger, e);
            }

            await Task.Delay(settings.Notifications.Interval, clock, stoppingToken);
        }
    }

    [LoggerMessage(EventId = 4010, Level = LogLevel.Error, Message = "The expiry notification run failed; the next run tries again")]
    private static partial void LogRunFailed(ILogger logger, Exception e);
}
