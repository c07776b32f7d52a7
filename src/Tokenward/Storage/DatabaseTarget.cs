using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Tokenward.Storage;

/// <summary>Which database to use: the embedded SQLite file, or a PostgreSQL server.</summary>
public sealed record DatabaseTarget(DatabaseEngine Engine, string ConnectionString)
{
    public static string SqliteFile(string dataDir) => Path.Combine(dataDir, "tokenward.sqlite3");

    public static DatabaseTarget SqliteIn(string dataDir) => new(
        DatabaseEngine.Sqlite,
        new SqliteConnectionStringBuilder
        {
            DataSource = SqliteFile(dataDir),
            Pooling = true,
        }.ToString());

    /// <summary>
    /// Accepts a <c>postgres://user:pass@host:port/db?sslmode=...</c> URL or an Npgsql connection string.
    /// </summary>
    /// <exception cref="FormatException">when the value is neither.</exception>
    public static DatabaseTarget Postgres(string value)
    {
        if (value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return new(DatabaseEngine.Postgres, FromUrl(value));
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(value);
            if (string.IsNullOrEmpty(builder.Host))
            {
                throw new FormatException("The PostgreSQL connection string names no Host.");
            }

            return new(DatabaseEngine.Postgres, WithDefaults(builder, new DbConnectionStringBuilder { ConnectionString = value }.Keys.Cast<string>()));
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"Not a PostgreSQL URL or connection string: {e.Message}", e);
        }
    }

    /// <summary>The engine's code: every difference between engines is behind it.</summary>
    /// <exception cref="NotSupportedException">for an engine Tokenward does not have.</exception>
    public Engines.IStorageEngine Storage => Engines.StorageEngines.Of(Engine);

    /// <summary>A new, closed connection (no EF Core), for migrations and the CLI's plain-SQL reports.</summary>
    public DbConnection CreateConnection() => Storage.CreateConnection(ConnectionString);

    /// <summary>An open connection with the settings EF Core's connections get.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var connection = CreateConnection();
        try
        {
            await connection.OpenAsync(ct);
            await Storage.PrepareAsync(connection, ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>A description safe to print: no password.</summary>
    public string Describe() => Storage.Describe(ConnectionString);

    /// <summary>
    /// Server-side prepared statements for the few hot queries, no session reset on every
    /// pooled connection return (Tokenward keeps no session state), and no JIT: PostgreSQL
    /// compiles plans it costs high (a report over a million tokens) for most of a second, longer
    /// than running them. Explicit values win.
    /// </summary>
    /// <param name="given">The keys the user wrote (Npgsql's builder cannot tell them from its defaults).</param>
    private static string WithDefaults(NpgsqlConnectionStringBuilder builder, IEnumerable<string> given)
    {
        var keys = given.Select(k => k.Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant()).ToHashSet();
        if (!keys.Contains("MAXAUTOPREPARE"))
        {
            builder.MaxAutoPrepare = 20;
        }

        if (!keys.Contains("NORESETONCLOSE"))
        {
            builder.NoResetOnClose = true;
        }

        if (!keys.Contains("OPTIONS"))
        {
            builder.Options = "-c jit=off";
        }

        return builder.ToString();
    }

    private static string FromUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException("The PostgreSQL URL is not valid; expected postgres://user:pass@host:port/db.");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        var given = new List<string>();
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            given.Add(key);
            var val = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : string.Empty;
            try
            {
                builder[key] = val;
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"Unknown PostgreSQL URL parameter '{key}'.", e);
            }
        }

        return WithDefaults(builder, given);
    }
}
