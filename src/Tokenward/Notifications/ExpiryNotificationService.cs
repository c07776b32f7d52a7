using Tokenward.Hosting;

namespace Tokenward.Notifications;

/// <summary>Runs <see cref="ExpiryNotifier"/> in <c>tokenward serve</c> at the configured interval, and when nudged.</summary>
public sealed class ExpiryNotificationService(
    IServiceScopeFactory scopes, TimeProvider clock, TokenwardSettings settings, NoticeNudge nudge, IHostApplicationLifetime lifetime, ILogger<ExpiryNotificationService> logger) : BackgroundService
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

            // The interval, or sooner when something is to be told at once (a leaked token revoked).
            using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var interval = Task.Delay(settings.Notifications.Interval, clock, wake.Token);
            var nudged = nudge.WaitAsync(wake.Token);
            await Task.WhenAny(interval, nudged);
            await wake.CancelAsync();
            try
            {
                await Task.WhenAll(interval, nudged);
            }
            catch (OperationCanceledException)
            {
                // The one that did not finish first.
            }
        }
    }
}
