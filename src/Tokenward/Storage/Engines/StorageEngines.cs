namespace Tokenward.Storage.Engines;

/// <summary>The one place an engine is chosen.</summary>
public static class StorageEngines
{
    public static readonly IReadOnlyList<IStorageEngine> All = [Sqlite.SqliteEngine.Instance, Postgres.PostgresEngine.Instance];

    /// <exception cref="NotSupportedException">for an engine Tokenward does not have: never a silent fallback to another.</exception>
    public static IStorageEngine Of(DatabaseEngine engine) => engine switch
    {
        DatabaseEngine.Sqlite => Sqlite.SqliteEngine.Instance,
        DatabaseEngine.Postgres => Postgres.PostgresEngine.Instance,
        _ => throw new NotSupportedException($"unknown storage engine '{engine}'"),
    };
}
