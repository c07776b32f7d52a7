using MailKit.Security;

namespace Tokenward.Notifications;

/// <summary>Where expiry notices go: an SMTP server for email, and webhook URLs for project and group tokens.</summary>
public sealed record NotificationSettings
{
    public string? SmtpHost { get; init; }

    public int SmtpPort { get; init; } = Hosting.SettingsCatalog.SmtpPort.Default;

    public SecureSocketOptions SmtpSecurity { get; init; } = Hosting.SettingsCatalog.SmtpSecurity.Default;

    public string? SmtpUsername { get; init; }

    public string? SmtpPassword { get; init; }

    public string From { get; init; } = Hosting.SettingsCatalog.SmtpFrom.Default;

    public IReadOnlyList<Uri> WebhookUrls { get; init; } = [];

    /// <summary>Sent as <c>X-Gitlab-Token</c>, as GitLab signs its hooks.</summary>
    public string? WebhookSecret { get; init; }

    /// <summary>
    /// The notices that also go to the webhooks (<c>TOKENWARD_WEBHOOK_NOTICES</c>): GitLab's
    /// <c>7d</c> by default; <c>60d,30d,7d</c> is GitLab's "extra webhook triggers at 30 and 60 days".
    /// </summary>
    public IReadOnlyList<string> WebhookNotices { get; init; } = Hosting.SettingsCatalog.WebhookNotices.Default;

    /// <summary>
    /// Whether a project or group token's expiry (the <c>expired</c> notice) is mailed to its
    /// resource's Maintainers and Owners (<c>TOKENWARD_NOTIFY_RESOURCE_EXPIRED</c>). GitLab mails
    /// only the 60, 30 and 7-day notices for them (its bots cannot receive the expired one), so off
    /// by default.
    /// </summary>
    public bool ResourceExpired { get; init; } = Hosting.SettingsCatalog.NotifyResourceExpired.Default;

    /// <summary>Whether administrators are told of expiry cliffs ahead (<see cref="CliffNotices"/>).</summary>
    public bool ExpiryCliffs { get; init; } = Hosting.SettingsCatalog.NotifyExpiryCliffs.Default;

    /// <summary>How often <c>serve</c> looks for due notices; zero turns the background job off.</summary>
    public TimeSpan Interval { get; init; } = Hosting.SettingsCatalog.NotifyInterval.Default;

    /// <summary>How long after a first failed attempt the next one is due; it doubles with each failure, up to <see cref="RetryMax"/>.</summary>
    public TimeSpan RetryBase { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan RetryMax { get; init; } = TimeSpan.FromHours(6);

    /// <summary>How long a webhook URL that kept failing is not asked again (the circuit breaker's break).</summary>
    public TimeSpan CircuitBreak { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long one SMTP or webhook operation may take before it counts as a failure.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    public bool AnyChannel => SmtpHost is not null || WebhookUrls.Count > 0;

    /// <summary>When a delivery that has failed <paramref name="attempts"/> times is due again.</summary>
    public DateTime NextAttempt(DateTime now, int attempts) =>
        now + TimeSpan.FromTicks(Math.Min(RetryMax.Ticks, RetryBase.Ticks * (1L << Math.Clamp(attempts - 1, 0, 30))));
}
