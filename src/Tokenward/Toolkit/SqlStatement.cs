namespace Tokenward.Toolkit;

/// <summary>SQL text and its named parameters.</summary>
public sealed record SqlStatement(string Text, IReadOnlyList<KeyValuePair<string, object>> Parameters);
