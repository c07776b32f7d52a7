using Tokenward.Storage;

namespace Tokenward.Tests.Infrastructure;

/// <summary>Theory data: run a test once on SQLite and once on PostgreSQL.</summary>
public static class Engines
{
    public static TheoryData<DatabaseEngine> Both => new() { DatabaseEngine.Sqlite, DatabaseEngine.Postgres };

    /// <summary>A fresh, empty database of the engine; SQLite lives in <paramref name="dir"/>.</summary>
    public static DatabaseTarget Fresh(DatabaseEngine engine, string dir) => engine == DatabaseEngine.Sqlite
        ? DatabaseTarget.SqliteIn(dir)
        : new DatabaseTarget(DatabaseEngine.Postgres, PostgresServer.Instance.CreateDatabase());

    /// <summary>The options that point a <c>tokenward</c> process at the database and its data folder.</summary>
    public static string[] CliArgs(DatabaseTarget database, string dataDir) =>
        database.Engine == DatabaseEngine.Postgres ? ["--data-dir", dataDir, "--database", database.ConnectionString] : ["--data-dir", dataDir];
}
