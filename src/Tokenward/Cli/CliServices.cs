using Tokenward.ApiLog;
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

    /// <summary>Migrates the database and opens the audit log.</summary>
    public static async Task<CliServices> StartAsync(TokenwardSettings settings, CancellationToken ct)
    {
        var root = new ServiceCollection()
            .AddLogging(l => l.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning))
            .AddTokenwardCore(settings, TimeProvider.System)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        await Storage.Migrations.Migrator.MigrateAsync(settings.Database, ct);
        await root.GetRequiredService<AuditJsonLog>().StartAsync(ct);
        var scope = root.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<ActorContext>().Current = Actor.Cli();
        return new CliServices(root, scope);
    }

    public async ValueTask DisposeAsync()
    {
        await Scope.DisposeAsync();
        // Disposing the root flushes audit_json.log.
        await _root.DisposeAsync();
    }
}
