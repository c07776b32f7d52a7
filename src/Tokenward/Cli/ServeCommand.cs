using System.CommandLine;
using Tokenward.Hosting;

namespace Tokenward.Cli;

/// <summary><c>tokenward serve</c>: the HTTP service.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls")
        {
            Description = "Addresses to listen on, ';'-separated (default http://localhost:5000, or ASPNETCORE_URLS)",
        };
        var command = new Command("serve", "Run the GitLab-compatible token API") { urls };
        command.SetAction(async (result, ct) =>
        {
            var settings = GlobalOptions.Settings(result);
            // One server per SQLite data folder; PostgreSQL takes several (see README).
            using var folderLock = settings.Database.Engine == Storage.DatabaseEngine.Sqlite ? DataFolderLock.Acquire(settings.DataDir) : null;
            var listen = result.GetValue(urls)?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            await using var app = TokenwardApp.Build(settings, TimeProvider.System, listen);
            var rootToken = await TokenwardApp.PrepareAsync(app.Services, ct);
            await Console.Out.WriteLineAsync($"Tokenward: database {settings.Database.Describe()}, API log {Path.Combine(settings.LogDir, ApiLog.ApiJsonLog.FileName)}");
            if (rootToken is not null)
            {
                await Console.Out.WriteLineAsync("Created the administrator 'root'. Its token is shown this once; store it now:");
                await Console.Out.WriteLineAsync(rootToken);
            }

            await app.RunAsync(ct);
            return 0;
        });
        return command;
    }
}
