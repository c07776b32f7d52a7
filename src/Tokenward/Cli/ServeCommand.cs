using System.CommandLine;
using System.Runtime.InteropServices;
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
            // logrotate's SIGHUP may come while the database migrates, before the log writers
            // listen for it, and its default action ends the process. Until they do, it is
            // ignored: they open their files fresh in any case.
            using var hangupWhileStarting = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => c.Cancel = true);
            var settings = GlobalOptions.Settings(result);
            var listen = result.GetValue(urls)?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            // One server per SQLite data folder; PostgreSQL takes several (see README).
            using var folderLock = CliErrors.InFolder(settings.DataDir, () => settings.Database.Storage.InDataFolder ? DataFolderLock.Acquire(settings.DataDir) : null);
            CliErrors.InFolder(settings.LogDir, () => Directory.CreateDirectory(settings.LogDir));
            var (starting, failed) = (true, false);
            // A failed start is said once, in one line, below; the host would add it with a stack trace.
            await using var app = TokenwardApp.Build(settings, TimeProvider.System, listen, logging => logging.AddFilter(
                (category, level) => level >= LogLevel.Information && !failed && !(starting && level >= LogLevel.Error && category == "Microsoft.Extensions.Hosting.Internal.Host")));
            await Storage.Migrations.Migrator.MigrateAsync(settings.Database, ct);
            await SecretCheck.VerifyAsync(app.Services, ct);

            // Listen before creating root: a busy port must fail before a fresh database's only
            // root token is printed to a console nobody reads, and leaves the database untouched.
            // Meanwhile the gate answers 503, so nobody meets a database without root.
            var gate = app.Services.GetRequiredService<StartupGate>();
            gate.Starting();
            try
            {
                await app.StartAsync(ct);
            }
            catch (IOException e)
            {
                // The background services already started; they must stop before the container goes.
                failed = true;
                await app.StopAsync(CancellationToken.None);
                throw new CliException($"cannot listen on {string.Join(", ", listen ?? ["the configured addresses"])}: {e.Message}");
            }

            starting = false;
            // The log writers listen for SIGHUP now (to reopen their files).
            hangupWhileStarting?.Dispose();
            var rootToken = await TokenwardApp.BootstrapAsync(app.Services, ct);
            gate.Open();
            await Console.Out.WriteLineAsync($"Tokenward: database {settings.Database.Describe()}, API log {Path.Combine(settings.LogDir, ApiLog.ApiJsonLog.FileName)}, links to {app.Services.GetRequiredService<ExternalUrl>().Base}");
            if (settings.TrustedProxies.Count > 0 && settings.ExternalUrl is null)
            {
                await Console.Error.WriteLineAsync("tokenward: warning: behind a proxy (TOKENWARD_TRUSTED_PROXIES) but TOKENWARD_EXTERNAL_URL is not set: links name the address this server listens on, not the proxy's.");
            }

            if (rootToken is not null)
            {
                await Console.Out.WriteLineAsync("Created the administrator 'root'. Its token is shown this once; store it now:");
                await Console.Out.WriteLineAsync(rootToken);
            }

            await app.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }
}
