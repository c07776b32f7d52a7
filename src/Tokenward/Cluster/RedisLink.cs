using StackExchange.Redis;
using Tokenward.Hosting;

namespace Tokenward.Cluster;

/// <summary>
/// The connection to the nodes' shared Redis (<c>TOKENWARD_REDIS_URL</c>), made on first use and
/// kept: StackExchange.Redis reconnects by itself, and while Redis is away <see cref="Database"/>
/// is null so callers fall back to what this process knows.
/// </summary>
public sealed class RedisLink(TokenwardSettings settings, ILogger<RedisLink> logger) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private Task<ConnectionMultiplexer>? _connecting;

    public bool Configured => settings.Redis is not null;

    /// <summary>Raised when the connection comes back after a loss: what was missed meanwhile must be caught up.</summary>
    public event Action? Restored;

    /// <summary>The connection, once made (null when not configured or not yet connected).</summary>
    public ConnectionMultiplexer? Multiplexer => _connecting is { IsCompletedSuccessfully: true } t ? t.Result : null;

    /// <summary>Redis to use now, or null while it is away.</summary>
    public IDatabase? Database => Multiplexer is { IsConnected: true } m ? m.GetDatabase() : null;

    public bool Connected => Multiplexer?.IsConnected == true;

    /// <summary>Starts connecting, once; completes when the first attempt ended, connected or not.</summary>
    public Task<ConnectionMultiplexer> ConnectAsync()
    {
        var target = settings.Redis ?? throw new InvalidOperationException("No Redis is configured.");
        lock (_gate)
        {
            return _connecting ??= Connect(target);
        }
    }

    private async Task<ConnectionMultiplexer> Connect(RedisTarget target)
    {
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(target.Options());
        var described = target.Describe();
        multiplexer.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive)
            {
                logger.RedisLost(described, e.Exception?.GetBaseException().Message ?? e.FailureType.ToString());
            }
        };
        multiplexer.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive)
            {
                logger.RedisRestored(described);
                Restored?.Invoke();
            }
        };
        if (!multiplexer.IsConnected)
        {
            logger.RedisLost(described, "not reachable at start; bans are counted per node until it is");
        }

        return multiplexer;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connecting is { } connecting)
        {
            try
            {
                var multiplexer = await connecting;
                await multiplexer.CloseAsync(allowCommandsToComplete: true);
                multiplexer.Dispose();
            }
            catch (RedisException)
            {
                // Closing a connection that never came up.
            }
        }
    }
}
