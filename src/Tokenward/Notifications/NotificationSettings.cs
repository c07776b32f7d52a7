using MailKit.Security;

namespace Tokenward.Notifications;

/// <summary>Where expiry notices go: an SMTP server for email, and webhook URLs for project and group tokens.</summary>
public sealed record NotificationSettings
{
    public string? SmtpHost { get; init; }

    public int SmtpPort { get; init; } = 25;

    public SecureSocketOptions SmtpSecurity { get; init; } = SecureSocketOptions.StartTlsWhenAvailable;

    public string? SmtpUsername { get; init; }

    public string? SmtpPassword { get; init; }

    public string From { get; init; } = "tokenward@localhost";

    public IReadOnlyList<Uri> WebhookUrls { get; init; } = [];

    /// <summary>Sent as <c>X-Gitlab-Token</c>, as GitLab signs its hooks.</summary>
    public string? WebhookSecret { get; init; }

    /// <summary>How often <c>serve</c> looks for due notices; zero turns the background job off.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromHours(1);

    public int Attempts { get; init; } = 3;

    /// <summary>First retry delay; each next one doubles.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    public bool AnyChannel => SmtpHost is not null || WebhookUrls.Count > 0;
}
