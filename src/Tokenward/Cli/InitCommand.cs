using System.CommandLine;
using Tokenward.Hosting;

namespace Tokenward.Cli;

/// <summary>
/// <c>tokenward init</c>: creates (or upgrades) the database and its administrator without
/// serving, the one setup command beside <c>serve</c> that may create a database. The others
/// refuse a missing one rather than report on an empty one.
/// </summary>
public static class InitCommand
{
    public static Command Create()
    {
        var command = new Command("init", "Create the database and the administrator 'root' (printing its token once), or bring an existing database up to date");
        command.SetAction(async (result, ct) =>
        {
            var settings = GlobalOptions.Settings(result);
            CliErrors.InFolder(settings.DataDir, () => Directory.CreateDirectory(settings.DataDir));

            await using var services = new ServiceCollection()
                .AddLogging(l => l.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning))
                .AddTokenwardCore(settings, TimeProvider.System)
                .BuildServiceProvider();
            var applied = await Storage.Migrations.Migrator.MigrateAsync(settings.Database, ct);
            await SecretCheck.VerifyAsync(services, ct);
            var rootToken = await TokenwardApp.BootstrapAsync(services, ct);
            await Console.Error.WriteLineAsync($"Database {settings.Database.Describe()}: {(applied > 0 ? $"{applied} schema step(s) applied" : "schema up to date")}.");
            if (rootToken is not null)
            {
                await Console.Error.WriteLineAsync("Created the administrator 'root'. Its token is shown this once; store it now:");
                await Console.Out.WriteLineAsync(rootToken);
            }

            return 0;
        });
        return command;
    }
}
