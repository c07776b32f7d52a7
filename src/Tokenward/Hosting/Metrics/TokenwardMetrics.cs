using System.Diagnostics.Metrics;

namespace Tokenward.Hosting.Metrics;

/// <summary>
/// The instance's own counters, on the <c>Tokenward</c> meter that <c>/-/metrics</c> exports in
/// Prometheus format (OpenTelemetry names them <c>tokenward_..._total</c>). The gauges are
/// <see cref="TokenGauges"/>'s; request durations and the database pool come from ASP.NET Core's
/// and Npgsql's own meters.
/// </summary>
public static class TokenwardMetrics
{
    public const string MeterName = "Tokenward";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Authentications = Meter.CreateCounter<long>(
        "tokenward.authentications", description: "API requests that presented a token, by outcome and GitLab's auth_fail_reason");

    private static readonly Counter<long> Notices = Meter.CreateCounter<long>(
        "tokenward.notices", description: "Expiry notice deliveries by channel and outcome: sent, failed, or postponed unattempted while the server is unreachable");

    private static readonly Counter<long> AuditLines = Meter.CreateCounter<long>(
        "tokenward.audit_log.lines", description: "Audit events written to audit_json.log");

    public static void Authenticated() => Authentications.Add(1, new KeyValuePair<string, object?>("outcome", "success"));

    public static void Refused(string reason) => Authentications.Add(1,
        new KeyValuePair<string, object?>("outcome", "failure"), new KeyValuePair<string, object?>("auth_fail_reason", reason));

    public static void Notice(string channel, bool sent) => Notice(channel, sent ? "sent" : "failed", 1);

    /// <summary>Deliveries put off without an attempt: an unreachable mail server fails none of them, yet none goes out.</summary>
    public static void NoticesPostponed(string channel, int count)
    {
        if (count > 0)
        {
            Notice(channel, "postponed", count);
        }
    }

    private static void Notice(string channel, string outcome, int count) => Notices.Add(count,
        new KeyValuePair<string, object?>("channel", channel), new KeyValuePair<string, object?>("outcome", outcome));

    public static void AuditLinesWritten(int count) => AuditLines.Add(count);
}
