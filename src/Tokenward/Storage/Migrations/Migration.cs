namespace Tokenward.Storage.Migrations;

/// <summary>One forward-only schema step, written once per engine.</summary>
/// <remarks>A new engine adds its SQL here and reads it in its <see cref="Engines.IEngineMigrations.SqlOf"/>.</remarks>
public sealed record Migration(string Version, string Name, string Sqlite, string Postgres);
