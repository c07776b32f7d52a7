namespace Tokenward.PersonalAccessTokens;

/// <summary>A rotation found its token already revoked (GitLab: <c>400 Token already revoked</c>).</summary>
public sealed class TokenAlreadyRevokedException() : Exception(Text)
{
    public const string Text = "Token already revoked";
}
