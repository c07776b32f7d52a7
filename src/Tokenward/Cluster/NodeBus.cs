using System.Collections.Concurrent;
using Npgsql;
using StackExchange.Redis;
using Tokenward.Hosting;
using Tokenward.Storage;

namespace Tokenward.Cluster;

/// <summary>
/// Short messages from one process of an instance to all its other nodes: "forget token 42",
/// "address banned". Carried by Redis pub/sub when <c>TOKENWARD_REDIS_URL</c> is set, else by
/// PostgreSQL's <c>LISTEN/NOTIFY</c> on PostgreSQL, else nowhere (one node: nothing to tell).
/// Delivery is at most once; a listener that lost its channel assumes it missed something
/// (<see cref="Reconnected"/>). A message is <c>kind:argument</c>, with the sender's node id
/// in front so a node skips its own.
/// </summary>
public sealed class NodeBus(TokenwardSettings settings, RedisLink redis, ILogger<NodeBus> logger) : IAsyncDisposable
{
    public const string Channel = "tokenward_nodes";

    // Pub/sub ignores Redis's database number: two instances on one Redis (production and staging
    // on /0 and /1) must not hear each other's bans.
    private string RedisChannelName => $"{Channel}:{settings.Redis?.Database ?? 0}";

    private readonly string _node = Guid.NewGuid().ToString("N")[..12];
    private readonly ConcurrentDictionary<string, Action<string>> _handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, bool> _sending = new();

    /// <summary>What carries the messages: <c>redis</c>, <c>postgres</c> or <c>none</c>.</summary>
    public string Transport { get; } = settings.Redis is not null ? "redis"
        : settings.Database.Engine == DatabaseEngine.Postgres ? "postgres" : "none";

    /// <summary>Raised when the channel came back after a loss: messages may have been missed.</summary>
    public event Action? Reconnected;

    /// <summary>Whether this node receives other nodes' messages now (always true for <c>none</c>: there are none).</summary>
    public bool Listening { get; private set; } = settings.Redis is null && settings.Database.Engine != DatabaseEngine.Postgres;

    public void On(string kind, Action<string> handler) => _handlers[kind] = handler;

    /// <summary>Sends without waiting; a failure is logged, never thrown (the change itself is already made).</summary>
    public void Publish(string kind, string argument)
    {
        if (Transport == "none")
        {
            return;
        }

        var message = $"{_node}|{kind}:{argument}";
        var sending = Transport == "redis" ? PublishRedisAsync(message) : PublishPostgresAsync(message);
        if (!sending.IsCompleted)
        {
            _sending[sending] = true;
            _ = sending.ContinueWith(t => _sending.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task PublishRedisAsync(string message)
    {
        try
        {
            var multiplexer = await redis.ConnectAsync();
            await multiplexer.GetSubscriber().PublishAsync(RedisChannel.Literal(RedisChannelName), message);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.NodeMessageNotSent(Transport, message, e.Message);
        }
    }

    private async Task PublishPostgresAsync(string message)
    {
        try
        {
            await using var connection = await settings.Database.OpenAsync(CancellationToken.None);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT pg_notify(@channel, @message)";
            command.Parameters.Add(new NpgsqlParameter("channel", Channel));
            command.Parameters.Add(new NpgsqlParameter("message", message));
            await command.ExecuteNonQueryAsync();
        }
        catch (Exception e) when (DatabaseUnavailable.Is(e) || e is NpgsqlException)
        {
            logger.NodeMessageNotSent(Transport, message, e.Message);
        }
    }

    /// <summary>Listens until <paramref name="ct"/> ends (<c>serve</c> only; CLI commands just publish).</summary>
    public async Task ListenAsync(CancellationToken ct)
    {
        if (Transport == "redis")
        {
            var multiplexer = await redis.ConnectAsync();
            redis.Restored += () => Reconnected?.Invoke();
            ChannelMessageQueue queue;
            while (true)
            {
                try
                {
                    // StackExchange.Redis subscribes again by itself after a reconnection, but the
                    // first subscription needs Redis: a node started while it is away waits for it.
                    queue = await multiplexer.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisChannelName));
                    break;
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), ct).ContinueWith(_ => { }, TaskScheduler.Default);
                    if (ct.IsCancellationRequested)
                    {
                        return;
                    }
                }
            }

            queue.OnMessage(m => Deliver(m.Message.ToString()));
            Listening = true;
            logger.NodeListening("Redis pub/sub");
            await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            await queue.UnsubscribeAsync();
        }
        else if (Transport == "postgres")
        {
            await ListenPostgresAsync(ct);
        }
    }

    private async Task ListenPostgresAsync(CancellationToken ct)
    {
        var lost = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                // Its own connection, outside the pool: LISTEN belongs to the session.
                var builder = new NpgsqlConnectionStringBuilder(settings.Database.ConnectionString) { Pooling = false, Multiplexing = false, KeepAlive = 5 };
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(ct);
                connection.Notification += (_, e) => Deliver(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }

                Listening = true;
                logger.NodeListening("PostgreSQL LISTEN/NOTIFY");
                if (lost)
                {
                    Reconnected?.Invoke();
                    lost = false;
                }

                while (!ct.IsCancellationRequested)
                {
                    await connection.WaitAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException || DatabaseUnavailable.Is(e))
            {
                if (!lost)
                {
                    logger.NodeListenLost(e.Message);
                }

                lost = true;
                Listening = false;
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void Deliver(string message)
    {
        var bar = message.IndexOf('|', StringComparison.Ordinal);
        var colon = message.IndexOf(':', bar + 1);
        if (bar < 0 || colon < 0 || message.AsSpan(0, bar).SequenceEqual(_node))
        {
            return;
        }

        if (_handlers.TryGetValue(message[(bar + 1)..colon], out var handler))
        {
            handler(message[(colon + 1)..]);
        }
    }

    /// <summary>Lets messages still being sent go out (a CLI command's change must reach the servers before it exits).</summary>
    public async ValueTask DisposeAsync()
    {
        var pending = _sending.Keys.ToArray();
        if (pending.Length > 0)
        {
            await Task.WhenAny(Task.WhenAll(pending), Task.Delay(TimeSpan.FromSeconds(3)));
        }
    }
}
