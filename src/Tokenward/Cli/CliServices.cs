using Tokenward.Audit;
using Tokenward.Hosting;

namespace Tokenward.Cli;

/// <summary>The services a CLI command needs, without the HTTP host; changes are audited as "CLI on HOST".</summary>
public sealed class CliServices : IAsyncDisposable
{
    private readonly ServiceProvider _root;

    private CliServices(ServiceProvider root, AsyncServiceScope scope)
    {
        _root = root;
        Scope = scope;
    }

    /// <summary>One scope for the whole command (one DbContext, one actor).</summary>
    public AsyncServiceScope Scope { get; }

    public T Get<T>()
        where T : notnull => Scope.ServiceProvider.GetRequiredService<T>();

    /// <summary>Opens the database, which must exist (only serve and init create one) at this build's schema, and ships audit events left behind.</summary>
    public static Task<CliServices> StartAsync(TokenwardSettings settings, CancellationToken ct) => StartAsync(settings, shipAudit: true, ct);

    /// <summary>Opens the database, which must exist (only serve and init create one) at this build's schema.</summary>
    /// <param name="shipAudit">Whether to ship left-behind events now (<c>audit ship</c> does it itself, to count them).</param>
    public static async Task<CliServices> StartAsync(TokenwardSettings settings, bool shipAudit, CancellationToken ct)
    {
        // First: the services make the data folder's secret, which must not appear in a mistyped folder.
        await Storage.Migrations.Migrator.RequireCurrentAsync(settings.Database, ct);
        var root = new ServiceCollection()
            .AddLogging(l => l.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning))
            .AddTokenwardCore(settings, TimeProvider.System, createSecret: false)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        await SecretCheck.VerifyAsync(root, ct);
        // Events an earlier process committed but did not ship (it was killed) go out first.
        if (shipAudit)
        {
            await ShipAuditAsync(root, ct);
        }
        var scope = root.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<ActorContext>().Current = Actor.Cli();
        return new CliServices(root, scope);
    }

    public async ValueTask DisposeAsync()
    {
        await Scope.DisposeAsync();
        await ShipAuditAsync(_root, CancellationToken.None);
        await _root.DisposeAsync();
    }

    /// <summary>
    /// Writes this command's audit events to audit_json.log unless another process (a running
    /// serve) is shipping, which then writes them. Only into a log folder already in use (one
    /// that records how far its file has got): a CLI run from another host or folder must not
    /// start a copy of the whole audit history there. Nothing fails the command, which has
    /// committed: the events wait in the database for the next process that can write them.
    /// </summary>
    private static async Task ShipAuditAsync(ServiceProvider root, CancellationToken ct)
    {
        var shipper = root.GetRequiredService<AuditShipper>();
        if (!File.Exists(shipper.CheckpointPath))
        {
            return;
        }

        try
        {
            await shipper.ShipAsync(ct);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException || Storage.DatabaseUnavailable.Is(e))
        {
            await Console.Error.WriteLineAsync($"warning: audit events not written to audit_json.log yet ({e.Message}); they are kept in the database and written by the next tokenward process that can.");
        }
    }
}
