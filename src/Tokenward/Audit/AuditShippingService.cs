namespace Tokenward.Audit;

/// <summary>
/// In <c>serve</c>: ships audit events to <c>audit_json.log</c> as soon as a commit nudges it, and
/// every few seconds for events committed by CLI processes or other nodes. A file that cannot be
/// written (a full disk) is retried every interval; nothing is lost meanwhile, the events wait in
/// the database.
/// </summary>
public sealed class AuditShippingService(AuditShipper shipper, TimeProvider clock, ILogger<AuditShippingService> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan ReportEvery = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long? failingSince = null;
        long lastReport = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await shipper.ShipAsync(stoppingToken);
                shipper.Failing = false;
                if (failingSince is not null)
                {
                    logger.AuditShippingResumed(shipper.Path);
                    failingSince = null;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A state, not a storm: said when it starts and once a minute while it lasts. Also
                // for anything unexpected: the API must keep serving, and the events wait.
                shipper.Failing = true;
                var now = clock.GetTimestamp();
                if (failingSince is null || clock.GetElapsedTime(lastReport, now) >= ReportEvery)
                {
                    failingSince ??= now;
                    lastReport = now;
                    logger.AuditCannotShip(shipper.Path, e.GetBaseException().Message);
                }
            }

            try
            {
                await shipper.WaitAsync(Interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // What committed during shutdown still goes out; then another node takes over at once.
        try
        {
            await shipper.ShipAsync(cancellationToken);
            await shipper.ReleaseAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException || Storage.DatabaseUnavailable.Is(e))
        {
            logger.AuditCannotShip(shipper.Path, e.GetBaseException().Message);
        }
    }
}
