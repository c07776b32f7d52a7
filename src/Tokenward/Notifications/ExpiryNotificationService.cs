using Tokenward.Hosting;

namespace Tokenward.Notifications;

/// <summary>Runs <see cref="ExpiryNotifier"/> in <c>tokenward serve</c> at the configured interval.</summary>
public sealed class ExpiryNotificationService(
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
                logger.NotifyRunFailed(e);
            }

            await Task.Delay(settings.Notifications.Interval, clock, stoppingToken);
        }
    }
}
