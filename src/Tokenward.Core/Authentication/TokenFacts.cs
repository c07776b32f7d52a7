namespace Tokenward.Core.Authentication;

/// <summary>What the rules need to know about a presented token that was found.</summary>
public sealed record TokenFacts(
    bool Revoked,
    DateOnly? ExpiresAt,
    IReadOnlyList<string> Scopes,
    bool Impersonation,
    string OwnerState);
