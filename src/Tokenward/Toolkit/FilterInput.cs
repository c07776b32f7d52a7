namespace Tokenward.Toolkit;

/// <summary>A report's filters as a person typed them (ids or names), before they are looked up.</summary>
public sealed record FilterInput(
    IReadOnlyList<string>? Kinds = null,
    string? User = null,
    string? Group = null,
    string? Project = null,
    string? Scope = null,
    bool IncludeBlocked = false)
{
    /// <exception cref="ToolkitException">when a kind or a scope is not one.</exception>
    public IReadOnlyList<string> CheckedKinds()
    {
        if (Kinds is null || Kinds.Count == 0)
        {
            return TokenKinds.All;
        }

        var kinds = Kinds.SelectMany(k => k.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct().ToList();
        var unknown = kinds.FirstOrDefault(k => !TokenKinds.All.Contains(k));
        return unknown is null ? kinds : throw new ToolkitException($"kind must be one of {string.Join(", ", TokenKinds.All)}, not '{unknown}'");
    }

    /// <exception cref="ToolkitException">when the scope is not one GitLab knows.</exception>
    public string? CheckedScope() =>
        Scope is null || Core.Tokens.Scopes.All.Contains(Scope) ? Scope : throw new ToolkitException($"scope '{Scope}' is not a token scope");
}
