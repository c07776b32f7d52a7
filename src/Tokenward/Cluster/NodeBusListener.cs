using Tokenward.AuthBans;

namespace Tokenward.Cluster;

/// <summary>In <c>serve</c>: connects to Redis (if set), takes up the bans in force, and listens to the other nodes.</summary>
public sealed class NodeBusListener(NodeBus bus, RedisLink redis, FailedAuthBans bans) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (redis.Configured)
        {
            await redis.ConnectAsync();
            await bans.SyncAsync();
        }

        await bus.ListenAsync(stoppingToken);
    }
}
