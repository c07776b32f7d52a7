namespace Tokenward.Core.Tokens;

/// <summary>A token request that is well formed but not allowed (e.g. an expiry past the maximum lifetime).</summary>
public sealed class TokenValidationException(string field, string problem) : Exception($"{field} {problem}")
{
    public string Field { get; } = field;

    public string Problem { get; } = problem;
}
