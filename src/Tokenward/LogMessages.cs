namespace Tokenward;

/// <summary>
/// Every event the service logs, in one place (Npgsql's way): stable ids by area, so an admin can
/// alert on them, and source-generated methods that cost nothing when their level is off.
/// 1000s: the API; 2000s: the log files (2100s: the audit trail); 3000s: the failed-authentication
/// ban; 4000s: expiry notices; 5000s: token rotation; 6000s: the web UI; 7000s: several nodes (Redis, the node bus) and metrics.
/// </summary>
public static partial class LogMessages
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    public static partial void UnhandledError(this ILogger logger, Exception e, string method, string path);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "The database is unavailable; answering 503 until it is back: {Reason}")]
    public static partial void DatabaseOutageBegan(this ILogger logger, string reason);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "The database is still unavailable after {Seconds:0} s; {Count} request(s) answered 503 so far: {Reason}")]
    public static partial void DatabaseOutageLasting(this ILogger logger, double seconds, long count, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "The database is back after {Seconds:0.#} s; {Count} request(s) were answered 503")]
    public static partial void DatabaseOutageOver(this ILogger logger, double seconds, long count);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "TOKENWARD_INITIAL_ROOT_TOKEN is set but ignored: it applies only to an empty database, and this one has users. To get a new root token: tokenward users create-token root --name NAME --scopes api")]
    public static partial void InitialRootTokenIgnored(this ILogger logger);

    [LoggerMessage(EventId = 2000, Level = LogLevel.Error, Message = "{Count} line(s) could not be written to {Path} and are lost: {Reason}. Requests are still served; writing resumes when it can.")]
    public static partial void LogLinesLost(this ILogger logger, long count, string path, string reason);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Writing to {Path} again; {Count} line(s) were lost meanwhile")]
    public static partial void LogLinesResumed(this ILogger logger, string path, long count);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Cut {Bytes} bytes of a partly written line off the end of {Path}")]
    public static partial void AuditPartialLineCut(this ILogger logger, long bytes, string path);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "Cannot write audit events to {Path}: {Reason}. They wait in the database and are written when it can be.")]
    public static partial void AuditCannotShip(this ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Writing audit events to {Path} again")]
    public static partial void AuditShippingResumed(this ILogger logger, string path);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Information, Message = "This node ({Node}) writes the audit log now; {Previous} did before")]
    public static partial void AuditShippingTakenOver(this ILogger logger, string node, string previous);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Warning, Message = "Audit events {From} to {Through} may be in {Writer}'s audit_json.log already (it stopped between writing them and recording it); written here too, so none is lost: remove duplicates by id")]
    public static partial void AuditBatchMayRepeat(this ILogger logger, long from, long through, string writer);

    [LoggerMessage(EventId = 3000, Level = LogLevel.Warning, Message = "Banned {Address} until {Until:o}: {Failures} failed authentications within {Seconds} s")]
    public static partial void AddressBanned(this ILogger logger, System.Net.IPAddress address, int failures, int seconds, DateTimeOffset until);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Ban on {Address} ended: {How}")]
    public static partial void BanEnded(this ILogger logger, System.Net.IPAddress address, string how);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "The SMTP server {Host}:{Port} cannot be reached ({Error}); {Count} e-mail notice(s) wait until {Until:u}")]
    public static partial void SmtpUnreachable(this ILogger logger, string host, int port, string error, int count, DateTime until);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "The SMTP server refused notice delivery {Id} ({Error}); it is tried again later")]
    public static partial void SmtpRefused(this ILogger logger, long id, string error);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "The webhook {Url} keeps failing; its circuit is open and {Count} notice(s) wait until {Until:u}")]
    public static partial void WebhookCircuitOpen(this ILogger logger, string url, int count, DateTime until);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Error, Message = "The expiry notification run failed; the next run tries again")]
    public static partial void NotifyRunFailed(this ILogger logger, Exception e);

    [LoggerMessage(EventId = 5000, Level = LogLevel.Warning, Message = "Rotated token {TokenId} was presented to rotate again: revoked {Count} active token(s) of its family ({Revoked})")]
    public static partial void RotationFamilyRevoked(this ILogger logger, long tokenId, int count, string revoked);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Rotated token {TokenId} was presented to rotate again {Seconds:0.###} s after its rotation, within the grace window: taken for a retry, its successor {SuccessorId} kept")]
    public static partial void RotationRetryInGrace(this ILogger logger, long tokenId, double seconds, long successorId);

    [LoggerMessage(EventId = 6000, Level = LogLevel.Warning, Message = "Failed sign-in to the web UI from {Address} as '{Login}' with a {Method}: {Reason}")]
    public static partial void SignInFailed(this ILogger logger, string? address, string login, string method, string reason);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "{Username} signed in to the web UI from {Address} with a {Method}")]
    public static partial void SignedIn(this ILogger logger, string username, string? address, string method);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Error, Message = "Unhandled error on the web UI's {Method} {Path}")]
    public static partial void WebUnhandledError(this ILogger logger, Exception e, string method, string path);

    [LoggerMessage(EventId = 7000, Level = LogLevel.Warning, Message = "Redis {Redis} is away ({Reason}); bans are counted by each node and token changes reach other nodes through their cache's expiry until it is back")]
    public static partial void RedisLost(this ILogger logger, string redis, string reason);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Redis {Redis} is back; bans are shared again")]
    public static partial void RedisRestored(this ILogger logger, string redis);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "Could not tell the other nodes ({Transport}) about {Message}: {Reason}")]
    public static partial void NodeMessageNotSent(this ILogger logger, string transport, string message, string reason);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Lost the PostgreSQL notification channel ({Reason}); the token cache forgets everything when it is back")]
    public static partial void NodeListenLost(this ILogger logger, string reason);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Information, Message = "Listening for other nodes' token changes through {Transport}")]
    public static partial void NodeListening(this ILogger logger, string transport);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Warning, Message = "Redis failed counting a failed authentication from {Address}; counted by this node instead: {Reason}")]
    public static partial void RedisBanFallback(this ILogger logger, string address, string reason);

    [LoggerMessage(EventId = 7010, Level = LogLevel.Warning, Message = "Could not count the tokens for /-/metrics; the last counts stay: {Reason}")]
    public static partial void TokenGaugesFailed(this ILogger logger, string reason);
}
