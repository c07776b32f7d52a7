using Microsoft.AspNetCore.Identity;
using Tokenward.Storage;

namespace Tokenward.Users;

/// <summary>
/// The web UI's passwords: ASP.NET Core Identity's hasher (PBKDF2-HMAC-SHA512, 100,000 rounds, a
/// salt per password, the format versioned so a stronger one can take over on the next sign-in).
/// The plaintext is never stored or logged.
/// </summary>
public static class Passwords
{
    /// <summary>GitLab's default minimum.</summary>
    public const int MinimumLength = 8;

    /// <summary>GitLab's maximum.</summary>
    public const int MaximumLength = 128;

    private static readonly PasswordHasher<User> Hasher = new();

    /// <returns>GitLab's complaint about the password, or null when it may be used.</returns>
    public static string? Problem(string password) => password.Length switch
    {
        < MinimumLength => $"is too short (minimum is {MinimumLength} characters)",
        > MaximumLength => $"is too long (maximum is {MaximumLength} characters)",
        _ => null,
    };

    public static string Hash(User user, string password) => Hasher.HashPassword(user, password);

    /// <summary>Compares in constant time (the hasher's own comparison); false for a user without a password.</summary>
    public static bool Verify(User user, string password) =>
        user.EncryptedPassword is { Length: > 0 } hash && Hasher.VerifyHashedPassword(user, hash, password) != PasswordVerificationResult.Failed;
}
