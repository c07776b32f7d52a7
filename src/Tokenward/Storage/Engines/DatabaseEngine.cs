namespace Tokenward.Storage;

/// <summary>The engines Tokenward runs on; each is an <see cref="Engines.IStorageEngine"/> (<see cref="Engines.StorageEngines.Of"/>).</summary>
public enum DatabaseEngine
{
    Sqlite,
    Postgres,
}
