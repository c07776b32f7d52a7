using System.CommandLine;
using Tokenward.Hosting;

namespace Tokenward.Cli;

/// <summary>Options every command takes: where the data, the database and the logs are.</summary>
public static class GlobalOptions
{
    public static readonly Option<string?> DataDir = new("--data-dir")
    {
        Description = "Data folder: the SQLite database, secrets.json and log/ (default ./data, or TOKENWARD_DATA_DIR)",
        Recursive = true,
    };

    public static readonly Option<string?> Database = new("--database")
    {
        Description = "PostgreSQL instead of SQLite: postgres://user:pass@host:port/db or an Npgsql connection string (or TOKENWARD_DATABASE)",
        Recursive = true,
    };

    public static readonly Option<string?> LogDir = new("--log-dir")
    {
        Description = "Where api_json.log goes (default <data-dir>/log, or TOKENWARD_LOG_DIR)",
        Recursive = true,
    };

    public static readonly Option<string> Format = new("--format")
    {
        Description = "Output format: table or json",
        DefaultValueFactory = _ => "table",
    };

    static GlobalOptions() => Format.AcceptOnlyFromAmong("table", "json");

    public static TokenwardSettings Settings(ParseResult result) =>
        TokenwardSettings.Resolve(result.GetValue(DataDir), result.GetValue(Database), result.GetValue(LogDir));
}
