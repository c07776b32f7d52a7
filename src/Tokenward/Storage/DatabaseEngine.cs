namespace Tokenward.Storage;

public enum DatabaseEngine
{
    Sqlite,
    Postgres,
}
