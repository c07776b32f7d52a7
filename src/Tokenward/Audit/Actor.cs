using Tokenward.Authentication;

namespace Tokenward.Audit;

/// <summary>Who did something: a user through a token from an address, or the CLI on a host.</summary>
public sealed record Actor(long? UserId, string Name, long? TokenId, string? IpAddress)
{
    public static Actor Cli() => new(null, $"CLI on {Environment.MachineName}", null, null);

    public static Actor System(string job) => new(null, job, null, null);

    public static Actor Of(HttpContext context)
    {
        var current = CurrentRequest.Of(context);
        var ip = Api.ClientAddress.Of(context)?.ToString();
        return new(current.User?.Id, current.User?.Username ?? "anonymous", current.Token?.Id, ip);
    }
}
