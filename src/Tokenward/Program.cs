using System.CommandLine;
using System.Data.Common;
using Tokenward.Cli;
using Tokenward.Hosting;
using Tokenward.PersonalAccessTokens;
using Tokenward.Storage.Migrations;

var root = new RootCommand("Tokenward: GitLab-compatible access tokens, and the tools to troubleshoot them")
{
    GlobalOptions.DataDir,
    GlobalOptions.Database,
    GlobalOptions.Config,
    GlobalOptions.LogDir,
    ServeCommand.Create(),
    InitCommand.Create(),
    UsersCommand.Create(),
    BansCommand.Create(),
    TokensCommand.Create(),
    SettingsCommand.Create(),
    NotifyCommand.Create(),
    AuditCommand.Create(),
    LogsCommand.Create(),
    ConfigCommand.Create(),
    BackupCommand.Backup(),
    BackupCommand.Restore(),
};

try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration
    {
        EnableDefaultExceptionHandler = false,
        // A stop lets a command finish what it records (the batch or delivery in hand, the audit shipping).
        ProcessTerminationTimeout = TimeSpan.FromSeconds(30),
    });
}
catch (Exception e) when (e is SettingsException or SchemaException or TokenValidationException or CliException or Tokenward.Toolkit.ToolkitException or TokenAlreadyRevokedException or Tokenward.LogAnalysis.LogInputException)
{
    return CliErrors.Fail(e.Message);
}
catch (DbException e)
{
    return CliErrors.Fail($"database error: {e.Message}");
}
catch (HttpRequestException e)
{
    return CliErrors.Fail($"could not reach the server: {e.Message}");
}
catch (TaskCanceledException e) when (e.InnerException is TimeoutException)
{
    return CliErrors.Fail($"the server did not answer in time: {e.InnerException.Message}");
}
catch (OperationCanceledException)
{
    // Ctrl+C or SIGTERM: the command stopped where it was; what it records (bulk batches, notice
    // deliveries) is whole, and a rerun does the rest.
    return CliErrors.Fail("stopped.") + 129;
}
