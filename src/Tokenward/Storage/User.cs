namespace Tokenward.Storage;

/// <summary>A row of <c>users</c>, named as GitLab names its columns.</summary>
public sealed class User
{
    public long Id { get; set; }

    public required string Username { get; set; }

    public required string Email { get; set; }

    public required string Name { get; set; }

    /// <summary><c>active</c>, <c>blocked</c>, <c>banned</c> or <c>deactivated</c>.</summary>
    public string State { get; set; } = Core.Authentication.UserStates.Active;

    public bool Admin { get; set; }

    /// <summary>GitLab's <c>user_type</c>: 0 human, 6 project bot (project and group access tokens).</summary>
    public short UserType { get; set; }

    public bool IsBot => UserType == UserTypes.ProjectBot;

    /// <summary>A salted, slow hash of the web UI's password (<see cref="Users.Passwords"/>); null when the user has none.</summary>
    public string? EncryptedPassword { get; set; }

    /// <summary>Wrong web UI passwords since the last sign-in or lock (Devise's lockable, as GitLab's column).</summary>
    public int FailedAttempts { get; set; }

    /// <summary>When too many wrong passwords locked the account; it opens again after <see cref="Web.SignInLockout.LockTime"/>.</summary>
    public DateTime? LockedAt { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public List<PersonalAccessToken> PersonalAccessTokens { get; } = [];
}
