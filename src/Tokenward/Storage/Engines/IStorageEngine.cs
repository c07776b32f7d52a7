namespace Tokenward.Storage.Engines;

/// <summary>
/// What differs between database engines, one interface per concern. A new engine is a folder
/// beside <c>Sqlite/</c> and <c>Postgres/</c> with a class implementing these, its SQL in each
/// migration (<see cref="Migrations.Migration"/>), and a line in <see cref="StorageEngines.Of"/>;
/// nothing else branches on the engine.
/// </summary>
public interface IStorageEngine : IEngineConnections, IEngineMigrations, IEngineLocks, IEngineSql
{
    DatabaseEngine Engine { get; }
}
