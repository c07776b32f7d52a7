using Tokenward.Storage;

namespace Tokenward.ResourceAccessTokens;

/// <summary>A resource token with its bot's access level in the resource and the bot's name.</summary>
public sealed class TokenWithLevel
{
    public required PersonalAccessToken Token { get; init; }

    public int AccessLevel { get; init; }

    public string BotName { get; init; } = string.Empty;
}
