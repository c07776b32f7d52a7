namespace Tokenward.Audit;

/// <summary>The actor of the current scope: set per request after authentication, or by the CLI.</summary>
public sealed class ActorContext
{
    public Actor Current { get; set; } = Actor.System("unknown");
}
