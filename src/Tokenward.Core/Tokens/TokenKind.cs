namespace Tokenward.Core.Tokens;

/// <summary>
/// What a token is, by who holds it. Every kind is a row of <c>personal_access_tokens</c>, as in
/// GitLab; a new kind is added here and in <see cref="TokenKinds"/>, whose rule says which rows it covers.
/// </summary>
public enum TokenKind
{
    /// <summary>A human user's own token.</summary>
    Personal,

    /// <summary>A token an administrator made to act as a user.</summary>
    Impersonation,

    /// <summary>A project access token: its owner is a bot that is a member of one project.</summary>
    Project,

    /// <summary>A group access token: its owner is a bot that is a member of one group.</summary>
    Group,
}
