namespace Tokenward.Toolkit;

/// <summary>A toolkit request that cannot be carried out as asked: a bad filter, an unknown user, a change the policy forbids.</summary>
public sealed class ToolkitException(string message, bool notFound = false) : Exception(message)
{
    /// <summary>Whether something named was not found (HTTP 404) rather than malformed or refused (400).</summary>
    public bool NotFound { get; } = notFound;
}
