namespace Tokenward.Storage.Migrations;

/// <summary>One forward-only schema step, written once per engine.</summary>
public sealed record Migration(string Version, string Name, string Sqlite, string Postgres)
{
    public string SqlFor(DatabaseEngine engine) => engine == DatabaseEngine.Sqlite ? Sqlite : Postgres;
}
