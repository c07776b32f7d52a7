using System.CommandLine;
using System.Text;
using Tokenward.Toolkit;
using Tokenward.Toolkit.Remote;

namespace Tokenward.Cli;

/// <summary>Where a toolkit command reads and changes tokens: the database (with its services) or a remote API.</summary>
public sealed class ToolkitSource : IAsyncDisposable
{
    private ToolkitSource(ITokenReports reports, DateOnly today, CliServices? services, GitLabApi? api)
    {
        Reports = reports;
        Today = today;
        Services = services;
        Api = api;
    }

    public ITokenReports Reports { get; }

    /// <summary>Today in UTC, on the clock of whoever decides expiry: the local services', or this machine's for a remote API.</summary>
    public DateOnly Today { get; }

    /// <summary>Null in remote mode.</summary>
    public CliServices? Services { get; }

    /// <summary>Null in local mode.</summary>
    public GitLabApi? Api { get; }

    public static async Task<ToolkitSource> OpenAsync(ParseResult result, CancellationToken ct)
    {
        if (RemoteOptions.Api(result) is { } api)
        {
            return new ToolkitSource(new RemoteInventory(api, Console.Error), TokenStates.Today(TimeProvider.System), null, api);
        }

        var services = await CliServices.StartAsync(GlobalOptions.Settings(result), ct);
        return new ToolkitSource(services.Get<TokenInventory>(), TokenStates.Today(services.Get<TimeProvider>()), services, null);
    }

    /// <summary>
    /// For the read-only reports: the database's inventory alone, without the services a change
    /// needs (their container and the audit log cost a report a tenth of its second).
    /// </summary>
    public static async Task<ToolkitSource> OpenReportsAsync(ParseResult result, CancellationToken ct)
    {
        if (RemoteOptions.Api(result) is { } api)
        {
            return new ToolkitSource(new RemoteInventory(api, Console.Error), TokenStates.Today(TimeProvider.System), null, api);
        }

        var settings = GlobalOptions.Settings(result);
        await Storage.Migrations.Migrator.RequireCurrentAsync(settings.Database, ct);
        return new ToolkitSource(new TokenInventory(settings), TokenStates.Today(TimeProvider.System), null, null);
    }

    /// <summary>Standard output with a large buffer: reports can run to millions of lines.</summary>
    public static StreamWriter Output() => new(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16);

    public async ValueTask DisposeAsync()
    {
        Api?.Dispose();
        if (Services is not null)
        {
            await Services.DisposeAsync();
        }
    }
}
