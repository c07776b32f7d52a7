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

    public static readonly Option<string?> Config = new("--config")
    {
        Description = $"A tokenward.json with settings (or {TokenwardConfiguration.ConfigVariable}); variables and options win over it",
        Recursive = true,
    };

    public static readonly Option<string?> LogDir = new("--log-dir")
    {
        Description = "Where api_json.log goes (default <data-dir>/log, or TOKENWARD_LOG_DIR)",
        Recursive = true,
    };

    /// <summary>
    /// The one output option of every command that prints results: the same values everywhere;
    /// <c>lines</c> (the seed scripts' own sentences) only where the seed has sentences.
    /// </summary>
    public static readonly Option<string> Format = new("--format")
    {
        Description = "Output: table (default), json, csv, or lines (the seed scripts' sentences, for the token reports)",
        DefaultValueFactory = _ => Toolkit.ReportFormat.Table,
    };

    static GlobalOptions() => Format.AcceptOnlyFromAmong(Toolkit.ReportFormat.All);

    /// <summary>The format asked for, refusing <c>lines</c> where there are no seed sentences.</summary>
    /// <exception cref="CliException">for <c>--format lines</c> on a command without sentences.</exception>
    public static string FormatWithoutLines(ParseResult result) =>
        result.GetValue(Format) is Toolkit.ReportFormat.Lines
            ? throw new CliException("--format lines is for the token reports (the seed scripts' sentences); use table, json or csv here.")
            : result.GetValue(Format)!;

    public static TokenwardSettings Settings(ParseResult result) => TokenwardSettings.From(Configuration(result));

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ParseResult, TokenwardConfiguration> Read = [];

    /// <summary>The command's settings sources: <c>--config</c>'s file, the environment, and the options given (read once per command).</summary>
    public static TokenwardConfiguration Configuration(ParseResult result) => Read.GetValue(result, Build);

    private static TokenwardConfiguration Build(ParseResult result)
    {
        var options = new Dictionary<Setting, string?>
        {
            [SettingsCatalog.DataDir] = result.GetValue(DataDir),
            [SettingsCatalog.Database] = result.GetValue(Database),
            [SettingsCatalog.LogDir] = result.GetValue(LogDir),
        };
        // Only the commands that talk to a server have these.
        if (result.CommandResult.Command.Options.Contains(RemoteOptions.Url))
        {
            options[SettingsCatalog.Url] = result.GetValue(RemoteOptions.Url);
            options[SettingsCatalog.Token] = result.GetValue(RemoteOptions.Token);
        }

        return TokenwardConfiguration.Build(result.GetValue(Config), options);
    }
}
