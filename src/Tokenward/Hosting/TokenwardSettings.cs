using Tokenward.Storage;

namespace Tokenward.Hosting;

/// <summary>
/// Everything an instance is configured with, read once at start from <see cref="TokenwardConfiguration"/>
/// (file, environment, options) and checked then: a bad value stops the start naming where it came
/// from. Defaults are <see cref="SettingsCatalog"/>'s.
/// </summary>
public sealed record TokenwardSettings
{
    public required string DataDir { get; init; }

    public required DatabaseTarget Database { get; init; }

    public required string LogDir { get; init; }

    public string TokenPrefix { get; init; } = SettingsCatalog.TokenPrefix.Default;

    /// <summary>From <c>TOKENWARD_SECRET</c>; when null the secret lives in <c>secrets.json</c> in the data folder.</summary>
    public string? Secret { get; init; }

    public string? InitialRootToken { get; init; }

    /// <summary>GitLab's <c>external_url</c> (<c>TOKENWARD_EXTERNAL_URL</c>), without a trailing slash; see <see cref="Hosting.ExternalUrl"/>.</summary>
    public string? ExternalUrl { get; init; }

    /// <summary>GitLab's <c>require_personal_access_token_expiry</c>.</summary>
    public bool RequireTokenExpiry { get; init; } = SettingsCatalog.RequireTokenExpiry.Default;

    /// <summary>GitLab's <c>max_personal_access_token_lifetime</c>, in days.</summary>
    public int MaxTokenLifetimeDays { get; init; } = SettingsCatalog.MaxTokenLifetimeDays.Default;

    public bool ImpersonationEnabled { get; init; } = SettingsCatalog.ImpersonationEnabled.Default;

    /// <summary>The failed-authentication ban (<c>TOKENWARD_AUTH_BAN_*</c>).</summary>
    public AuthBans.BanPolicy BanPolicy { get; init; } = new();

    /// <summary>Who may read the health probes (<c>TOKENWARD_MONITORING_ALLOWLIST</c>), GitLab's monitoring allowlist.</summary>
    public IReadOnlyList<System.Net.IPNetwork> MonitoringAllowlist { get; init; } = SettingsCatalog.MonitoringAllowlist.Default;

    /// <summary>Proxies whose <c>X-Forwarded-For</c> is believed (<c>TOKENWARD_TRUSTED_PROXIES</c>); nobody else's is.</summary>
    public IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init; } = [];

    /// <summary>The Redis that several nodes share bans and cache invalidations through (<c>TOKENWARD_REDIS_URL</c>), or null.</summary>
    public Cluster.RedisTarget? Redis { get; init; }

    /// <summary>How often the token gauges of <c>/-/metrics</c> are counted again.</summary>
    public TimeSpan MetricsRefresh { get; init; } = SettingsCatalog.MetricsRefresh.Default;

    /// <summary>Expiry notices: SMTP and webhooks (<c>TOKENWARD_SMTP_*</c>, <c>TOKENWARD_WEBHOOK_*</c>).</summary>
    public Notifications.NotificationSettings Notifications { get; init; } = new();

    /// <summary>GitLab's admin mode: admin endpoints need a token with the <c>admin_mode</c> scope.</summary>
    public bool AdminMode { get; init; } = SettingsCatalog.AdminMode.Default;

    /// <summary>The web UI's idle timeout (<c>TOKENWARD_SESSION_IDLE_MINUTES</c>).</summary>
    public TimeSpan SessionIdle { get; init; } = SettingsCatalog.SessionIdle.Default;

    /// <summary>How long a found token is remembered between lookups (0 turns the cache off); see <see cref="Authentication.AuthCache"/>.</summary>
    public double AuthCacheSeconds { get; init; } = SettingsCatalog.AuthCacheSeconds.Default;

    /// <summary>
    /// How long after a rotation its old token, presented to rotate again, is taken for a client's
    /// retry (a 400, the family kept) rather than a leak (the family revoked).
    /// </summary>
    public double RotationGraceSeconds { get; init; } = SettingsCatalog.RotationGraceSeconds.Default;

    /// <summary>The share (%) of active dated tokens that makes a day an expiry cliff (<see cref="Core.Tokens.ExpiryCliffs"/>).</summary>
    public double ExpiryCliffPercent { get; init; } = SettingsCatalog.ExpiryCliffPercent.Default;

    /// <summary>
    /// Resolves settings: an explicit option wins over its <c>TOKENWARD_*</c> variable, which wins
    /// over the configuration file, which wins over the default.
    /// </summary>
    /// <exception cref="SettingsException">when a value is unusable.</exception>
    public static TokenwardSettings Resolve(
        string? dataDir,
        string? database,
        string? logDir,
        Func<string, string?>? environment = null,
        string? configFile = null) =>
        From(TokenwardConfiguration.Build(
            configFile,
            new Dictionary<Setting, string?> { [SettingsCatalog.DataDir] = dataDir, [SettingsCatalog.Database] = database, [SettingsCatalog.LogDir] = logDir },
            environment));

    /// <inheritdoc cref="Resolve"/>
    public static TokenwardSettings From(TokenwardConfiguration config)
    {
        var data = Path.GetFullPath(config.Get(SettingsCatalog.DataDir));
        DatabaseTarget target;
        try
        {
            target = config.Get(SettingsCatalog.Database) is { } db ? DatabaseTarget.Postgres(db) : DatabaseTarget.SqliteIn(data);
        }
        catch (FormatException e)
        {
            throw new SettingsException($"{config.Raw(SettingsCatalog.Database).Source.Label}: {e.Message}");
        }

        return new TokenwardSettings
        {
            DataDir = data,
            Database = target,
            LogDir = Path.GetFullPath(config.Get(SettingsCatalog.LogDir) ?? Path.Combine(data, "log")),
            TokenPrefix = config.Get(SettingsCatalog.TokenPrefix),
            Secret = config.Get(SettingsCatalog.Secret),
            InitialRootToken = config.Get(SettingsCatalog.InitialRootToken),
            ExternalUrl = config.Get(SettingsCatalog.ExternalUrl),
            RequireTokenExpiry = config.Get(SettingsCatalog.RequireTokenExpiry),
            MaxTokenLifetimeDays = config.Get(SettingsCatalog.MaxTokenLifetimeDays),
            ImpersonationEnabled = config.Get(SettingsCatalog.ImpersonationEnabled),
            BanPolicy = new AuthBans.BanPolicy
            {
                Enabled = config.Get(SettingsCatalog.AuthBanEnabled),
                MaxFailures = config.Get(SettingsCatalog.AuthBanMaxFailures),
                FindTime = config.Get(SettingsCatalog.AuthBanFindTime),
                BanTime = config.Get(SettingsCatalog.AuthBanBanTime),
                Allowlist = config.Get(SettingsCatalog.AuthBanAllowlist),
            },
            Notifications = new Notifications.NotificationSettings
            {
                WebhookNotices = config.Get(SettingsCatalog.WebhookNotices),
                ResourceExpired = config.Get(SettingsCatalog.NotifyResourceExpired),
                ExpiryCliffs = config.Get(SettingsCatalog.NotifyExpiryCliffs),
                SmtpHost = config.Get(SettingsCatalog.SmtpHost),
                SmtpPort = config.Get(SettingsCatalog.SmtpPort),
                SmtpSecurity = config.Get(SettingsCatalog.SmtpSecurity),
                SmtpUsername = config.Get(SettingsCatalog.SmtpUsername),
                SmtpPassword = config.Get(SettingsCatalog.SmtpPassword),
                From = config.Get(SettingsCatalog.SmtpFrom),
                WebhookUrls = config.Get(SettingsCatalog.WebhookUrls),
                WebhookSecret = config.Get(SettingsCatalog.WebhookSecret),
                Interval = config.Get(SettingsCatalog.NotifyInterval),
            },
            TrustedProxies = config.Get(SettingsCatalog.TrustedProxies),
            Redis = config.Get(SettingsCatalog.RedisUrl),
            MetricsRefresh = config.Get(SettingsCatalog.MetricsRefresh),
            MonitoringAllowlist = config.Get(SettingsCatalog.MonitoringAllowlist),
            AdminMode = config.Get(SettingsCatalog.AdminMode),
            SessionIdle = config.Get(SettingsCatalog.SessionIdle),
            AuthCacheSeconds = config.Get(SettingsCatalog.AuthCacheSeconds),
            RotationGraceSeconds = config.Get(SettingsCatalog.RotationGraceSeconds),
            ExpiryCliffPercent = config.Get(SettingsCatalog.ExpiryCliffPercent),
        };
    }
}
