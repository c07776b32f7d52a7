using Tokenward.Hosting;

namespace Tokenward.Cli;

/// <summary>The services a CLI command needs, without the HTTP host.</summary>
public static class CliServices
{
    public static ServiceProvider Build(TokenwardSettings settings) =>
        new ServiceCollection()
            .AddLogging()
            .AddTokenwardCore(settings, TimeProvider.System)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
}
