namespace Tokenward.Core.Authentication;

/// <summary>What the rules need to know about a presented token that was found.</summary>
/// <param name="RotationGraceUntil">A rotated token authenticates until then (<see cref="Tokens.RotationGrace"/>).</param>
public sealed record TokenFacts(
    bool Revoked,
    DateOnly? ExpiresAt,
    IReadOnlyList<string> Scopes,
    bool Impersonation,
    string OwnerState,
    DateTime? RotationGraceUntil = null);
