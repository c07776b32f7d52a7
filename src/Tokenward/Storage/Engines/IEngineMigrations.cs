using System.Data.Common;

namespace Tokenward.Storage.Engines;

/// <summary>What the migrator needs of an engine: where the database is made, the step's SQL, and one migrator at a time.</summary>
public interface IEngineMigrations
{
    string SqlOf(Migrations.Migration migration);

    /// <summary>Makes what must exist before the first connection (a file's folder).</summary>
    void CreateStore(string connectionString);

    /// <summary>Refuses a database Tokenward never made, naming the setting to check.</summary>
    /// <exception cref="Migrations.SchemaException">when there is none.</exception>
    Task RequireSchemaAsync(DatabaseTarget target, CancellationToken ct);

    /// <summary>Serializes migrating processes on this connection (or sets what makes concurrent ones safe).</summary>
    Task BeginMigrationAsync(DbConnection connection, CancellationToken ct);

    Task EndMigrationAsync(DbConnection connection);
}
