using Tokenward.Audit;

namespace Tokenward.ResourceAccessTokens;

/// <summary>
/// What applies to a bot's token whatever the endpoint: its events are filed under the bot's
/// project or group, the group's lifetime limit, and the date a self-minted token may not pass.
/// </summary>
/// <param name="IsResourceToken">Whether the token is one of the bot's resource tokens (not self-minted).</param>
public sealed record BotRules(AuditSubject? Subject, int? GroupLimitDays, DateOnly? NotAfter, bool IsResourceToken);
