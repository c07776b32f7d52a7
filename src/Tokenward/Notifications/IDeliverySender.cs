namespace Tokenward.Notifications;

/// <summary>A channel: sends its due deliveries, marking each as it goes.</summary>
public interface IDeliverySender
{
    /// <returns>How many deliveries were sent, per notice.</returns>
    Task<Dictionary<string, int>> SendDueAsync(CancellationToken ct);
}
