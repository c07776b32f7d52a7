namespace Tokenward.Core.Tokens;

/// <summary>
/// What every stored form of a token has (the table's row, a report's row, a row read from a
/// remote GitLab), so that <see cref="TokenStates"/> and <see cref="TokenFilter"/> are written once
/// for all of them, as expressions a query provider translates or code runs in memory.
/// </summary>
public interface ITokenRecord
{
    long Id { get; }

    long UserId { get; }

    string Name { get; }

    /// <summary>The scopes as the stored JSON array, e.g. <c>["api","read_user"]</c>.</summary>
    string Scopes { get; }

    bool Revoked { get; }

    DateOnly? ExpiresAt { get; }

    DateTime CreatedAt { get; }

    DateTime? LastUsedAt { get; }
}
