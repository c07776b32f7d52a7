using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace Tokenward.Storage.Engines;

/// <summary>Connections, with and without EF Core.</summary>
public interface IEngineConnections
{
    /// <summary>Whether the database is a file in the data folder, which one <c>serve</c> holds at a time.</summary>
    bool InDataFolder { get; }

    DbConnection CreateConnection(string connectionString);

    /// <summary>The settings every connection gets once open (EF Core's too).</summary>
    Task PrepareAsync(DbConnection connection, CancellationToken ct);

    /// <summary>EF Core's provider for this engine.</summary>
    void UseWith(DbContextOptionsBuilder options, string connectionString);

    /// <summary>Whether this one exception (not its inner ones) says the database cannot answer now, rather than a bug.</summary>
    bool IsUnavailable(Exception e);

    /// <summary>A description safe to print: no password.</summary>
    string Describe(string connectionString);
}
