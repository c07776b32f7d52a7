using System.Globalization;
using StackExchange.Redis;

namespace Tokenward.Cluster;

/// <summary>
/// Where the nodes' shared Redis is: <c>redis://[:password@]host[:port][/db]</c>, or
/// <c>rediss://</c> for TLS, the URL form GitLab's own Redis settings use.
/// </summary>
public sealed record RedisTarget(string Host, int Port, int Database, string? User, string? Password, bool Tls)
{
    /// <exception cref="FormatException">saying what the value must be.</exception>
    public static RedisTarget Parse(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("redis" or "rediss") || uri.Host.Length == 0
            || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new FormatException(" must be a URL such as redis://127.0.0.1:6379 or rediss://:password@redis.example.com:6380/0.");
        }

        var path = uri.AbsolutePath.Trim('/');
        var database = 0;
        if (path.Length > 0 && !(int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out database) && database is >= 0 and <= 15))
        {
            throw new FormatException($": the database must be a number from 0 to 15, not '{path}'.");
        }

        string? user = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            user = colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[..colon]) is { Length: > 0 } u ? u : null;
            password = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[(colon + 1)..]);
        }

        return new RedisTarget(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port, database, user, password, uri.Scheme == "rediss");
    }

    /// <summary>For logs and <c>config show</c>: never the password.</summary>
    public string Describe() =>
        $"{(Tls ? "rediss" : "redis")}://{(Password is null ? string.Empty : (User ?? string.Empty) + ":***@")}{Host}:{Port.ToString(CultureInfo.InvariantCulture)}/{Database.ToString(CultureInfo.InvariantCulture)}";

    public ConfigurationOptions Options()
    {
        var options = new ConfigurationOptions
        {
            EndPoints = { { Host, Port } },
            DefaultDatabase = Database,
            User = User,
            Password = Password,
            Ssl = Tls,
            // Start without Redis and keep trying: a node serves with per-node bans meanwhile.
            AbortOnConnectFail = false,
            ConnectTimeout = 2000,
            // A Redis that hangs must not hold requests: a failure's count falls back to this node's.
            AsyncTimeout = 1000,
            SyncTimeout = 1000,
            ConnectRetry = 1,
            KeepAlive = 5,
            ReconnectRetryPolicy = new LinearRetry(500),
            ClientName = "tokenward",
        };
        return options;
    }
}
