using Tokenward.Storage;

namespace Tokenward.Hosting;

/// <summary>Everything an instance is configured with, resolved from options, environment and defaults.</summary>
public sealed record TokenwardSettings
{
    public required string DataDir { get; init; }

    public required DatabaseTarget Database { get; init; }

    public required string LogDir { get; init; }

    public string TokenPrefix { get; init; } = Core.Tokens.TokenFormat.DefaultPrefix;

    /// <summary>From <c>TOKENWARD_SECRET</c>; when null the secret lives in <c>secrets.json</c> in the data folder.</summary>
    public string? Secret { get; init; }

    public string? InitialRootToken { get; init; }

    /// <summary>GitLab's <c>external_url</c> (<c>TOKENWARD_EXTERNAL_URL</c>), without a trailing slash; see <see cref="Hosting.ExternalUrl"/>.</summary>
    public string? ExternalUrl { get; init; }

    /// <summary>GitLab's <c>require_personal_access_token_expiry</c>.</summary>
    public bool RequireTokenExpiry { get; init; } = true;

    /// <summary>GitLab's <c>max_personal_access_token_lifetime</c>, in days.</summary>
    public int MaxTokenLifetimeDays { get; init; } = 365;

    public bool ImpersonationEnabled { get; init; } = true;

    /// <summary>The failed-authentication ban (<c>TOKENWARD_AUTH_BAN_*</c>).</summary>
    public AuthBans.BanPolicy BanPolicy { get; init; } = new();

    /// <summary>Proxies whose <c>X-Forwarded-For</c> is believed (<c>TOKENWARD_TRUSTED_PROXIES</c>); nobody else's is.</summary>
    public IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init; } = [];

    /// <summary>Expiry notices: SMTP and webhooks (<c>TOKENWARD_SMTP_*</c>, <c>TOKENWARD_WEBHOOK_*</c>).</summary>
    public Notifications.NotificationSettings Notifications { get; init; } = new();

    /// <summary>GitLab's admin mode: admin endpoints need a token with the <c>admin_mode</c> scope.</summary>
    public bool AdminMode { get; init; }

    /// <summary>How long a found token is remembered between lookups (0 turns the cache off); see <see cref="Authentication.AuthCache"/>.</summary>
    public double AuthCacheSeconds { get; init; } = DefaultAuthCacheSeconds;

    public const double DefaultAuthCacheSeconds = 5;

    /// <summary>
    /// How long after a rotation its old token, presented to rotate again, is taken for a client's
    /// retry (a 400, the family kept) rather than a leak (the family revoked).
    /// </summary>
    public double RotationGraceSeconds { get; init; } = DefaultRotationGraceSeconds;

    public const double DefaultRotationGraceSeconds = 5;

    /// <summary>
    /// Resolves settings: an explicit option wins over its <c>TOKENWARD_*</c> variable, which wins
    /// over the default.
    /// </summary>
    /// <exception cref="SettingsException">when a value is unusable.</exception>
    public static TokenwardSettings Resolve(
        string? dataDir,
        string? database,
        string? logDir,
        Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        string? Env(string name) => environment(name) is { Length: > 0 } v ? v : null;

        var data = Path.GetFullPath(dataDir ?? Env("TOKENWARD_DATA_DIR") ?? "data");
        var db = database ?? Env("TOKENWARD_DATABASE");
        DatabaseTarget target;
        try
        {
            target = db is null ? DatabaseTarget.SqliteIn(data) : DatabaseTarget.Postgres(db);
        }
        catch (FormatException e)
        {
            throw new SettingsException($"--database: {e.Message}");
        }

        var prefix = Env("TOKENWARD_TOKEN_PREFIX") ?? Core.Tokens.TokenFormat.DefaultPrefix;
        try
        {
            _ = new Core.Tokens.TokenFormat(prefix);
        }
        catch (ArgumentException e)
        {
            throw new SettingsException($"TOKENWARD_TOKEN_PREFIX: {e.Message}");
        }

        return new TokenwardSettings
        {
            DataDir = data,
            Database = target,
            LogDir = Path.GetFullPath(logDir ?? Env("TOKENWARD_LOG_DIR") ?? Path.Combine(data, "log")),
            TokenPrefix = prefix,
            Secret = Env("TOKENWARD_SECRET"),
            InitialRootToken = Env("TOKENWARD_INITIAL_ROOT_TOKEN"),
            ExternalUrl = ParseExternalUrl(Env("TOKENWARD_EXTERNAL_URL")),
            RequireTokenExpiry = ParseBool(Env("TOKENWARD_REQUIRE_TOKEN_EXPIRY"), true, "TOKENWARD_REQUIRE_TOKEN_EXPIRY"),
            MaxTokenLifetimeDays = ParseDays(Env("TOKENWARD_MAX_TOKEN_LIFETIME_DAYS")),
            ImpersonationEnabled = ParseBool(Env("TOKENWARD_IMPERSONATION_ENABLED"), true, "TOKENWARD_IMPERSONATION_ENABLED"),
            BanPolicy = ParseBanPolicy(Env),
            Notifications = ParseNotifications(Env),
            TrustedProxies = ParseNetworks(Env("TOKENWARD_TRUSTED_PROXIES") ?? string.Empty, "TOKENWARD_TRUSTED_PROXIES"),
            AdminMode = ParseBool(Env("TOKENWARD_ADMIN_MODE"), false, "TOKENWARD_ADMIN_MODE"),
            AuthCacheSeconds = ParseSeconds(Env("TOKENWARD_AUTH_CACHE_SECONDS"), DefaultAuthCacheSeconds, "TOKENWARD_AUTH_CACHE_SECONDS"),
            RotationGraceSeconds = ParseSeconds(Env("TOKENWARD_ROTATION_GRACE_SECONDS"), DefaultRotationGraceSeconds, "TOKENWARD_ROTATION_GRACE_SECONDS"),
        };
    }

    private static bool ParseBool(string? value, bool fallback, string name) => value?.ToLowerInvariant() switch
    {
        null => fallback,
        "1" or "true" or "yes" or "on" => true,
        "0" or "false" or "no" or "off" => false,
        _ => throw new SettingsException($"{name} must be true or false, not '{value}'."),
    };

    private static AuthBans.BanPolicy ParseBanPolicy(Func<string, string?> env)
    {
        var defaults = new AuthBans.BanPolicy();
        int Whole(string name, int fallback, int max) => env(name) is not { } v ? fallback
            : int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= max ? n
            : throw new SettingsException($"{name} must be a whole number from 1 to {max}.");
        return new AuthBans.BanPolicy
        {
            Enabled = ParseBool(env("TOKENWARD_AUTH_BAN_ENABLED"), true, "TOKENWARD_AUTH_BAN_ENABLED"),
            MaxFailures = Whole("TOKENWARD_AUTH_BAN_MAX_FAILURES", defaults.MaxFailures, 1_000_000),
            FindTime = TimeSpan.FromSeconds(Whole("TOKENWARD_AUTH_BAN_FINDTIME_SECONDS", (int)defaults.FindTime.TotalSeconds, 86_400)),
            BanTime = TimeSpan.FromSeconds(Whole("TOKENWARD_AUTH_BAN_BANTIME_SECONDS", (int)defaults.BanTime.TotalSeconds, 31_536_000)),
            Allowlist = env("TOKENWARD_AUTH_BAN_ALLOWLIST") is { } list ? ParseNetworks(list, "TOKENWARD_AUTH_BAN_ALLOWLIST") : defaults.Allowlist,
        };
    }

    private static Notifications.NotificationSettings ParseNotifications(Func<string, string?> env)
    {
        var defaults = new Notifications.NotificationSettings();
        var port = env("TOKENWARD_SMTP_PORT") is not { } p ? defaults.SmtpPort
            : int.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 65535 ? n
            : throw new SettingsException("TOKENWARD_SMTP_PORT must be a port number.");
        var security = env("TOKENWARD_SMTP_SECURITY")?.ToLowerInvariant() switch
        {
            null or "auto" => MailKit.Security.SecureSocketOptions.StartTlsWhenAvailable,
            "none" => MailKit.Security.SecureSocketOptions.None,
            "starttls" => MailKit.Security.SecureSocketOptions.StartTls,
            "ssl" or "tls" => MailKit.Security.SecureSocketOptions.SslOnConnect,
            var other => throw new SettingsException($"TOKENWARD_SMTP_SECURITY must be auto, none, starttls or ssl, not '{other}'."),
        };
        var hooks = (env("TOKENWARD_WEBHOOK_URLS") ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : throw new SettingsException($"TOKENWARD_WEBHOOK_URLS: '{u}' is not an http(s) URL."))
            .DistinctBy(u => u.ToString(), StringComparer.Ordinal)
            .ToList();
        var minutes = env("TOKENWARD_NOTIFY_INTERVAL_MINUTES") is not { } m ? defaults.Interval
            : int.TryParse(m, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var mins) ? TimeSpan.FromMinutes(mins)
            : throw new SettingsException("TOKENWARD_NOTIFY_INTERVAL_MINUTES must be a whole number of minutes (0 turns the job off).");
        var hookNotices = env("TOKENWARD_WEBHOOK_NOTICES") is { } names
            ? names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(v => Tokenward.Notifications.Notice.All.Any(x => x.Name == v && !x.IsExpiry) ? v : throw new SettingsException($"TOKENWARD_WEBHOOK_NOTICES: '{v}' is not one of 60d, 30d, 7d."))
                .ToList()
            : defaults.WebhookNotices;
        var from = env("TOKENWARD_SMTP_FROM") ?? defaults.From;
        if (!MimeKit.MailboxAddress.TryParse(from, out var sender) || sender.Domain.Length == 0)
        {
            throw new SettingsException($"TOKENWARD_SMTP_FROM must be an e-mail address, not '{from}'.");
        }

        return defaults with
        {
            WebhookNotices = hookNotices,
            ResourceExpired = ParseBool(env("TOKENWARD_NOTIFY_RESOURCE_EXPIRED"), defaults.ResourceExpired, "TOKENWARD_NOTIFY_RESOURCE_EXPIRED"),
            SmtpHost = env("TOKENWARD_SMTP_HOST"),
            SmtpPort = port,
            SmtpSecurity = security,
            SmtpUsername = env("TOKENWARD_SMTP_USERNAME"),
            SmtpPassword = env("TOKENWARD_SMTP_PASSWORD"),
            From = env("TOKENWARD_SMTP_FROM") ?? defaults.From,
            WebhookUrls = hooks,
            WebhookSecret = env("TOKENWARD_WEBHOOK_SECRET"),
            Interval = minutes,
        };
    }

    private static string? ParseExternalUrl(string? value) =>
        value is null ? null
        : Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0
            ? uri.GetLeftPart(UriPartial.Path).TrimEnd('/')
            : throw new SettingsException($"TOKENWARD_EXTERNAL_URL must be an http(s) URL such as https://tokens.example.com, not '{value}'.");

    private static IReadOnlyList<System.Net.IPNetwork> ParseNetworks(string list, string name)
    {
        try
        {
            return AuthBans.BanPolicy.ParseNetworks(list);
        }
        catch (FormatException e)
        {
            throw new SettingsException($"{name}: {e.Message}.");
        }
    }

    private static double ParseSeconds(string? value, double fallback, string name)
    {
        if (value is null)
        {
            return fallback;
        }

        return double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s) && s is >= 0 and <= 300
            ? s
            : throw new SettingsException($"{name} must be a number of seconds from 0 to 300.");
    }

    private static int ParseDays(string? value)
    {
        if (value is null)
        {
            return 365;
        }

        return int.TryParse(value, out var days) && days is >= 1 and <= 400
            ? days
            : throw new SettingsException("TOKENWARD_MAX_TOKEN_LIFETIME_DAYS must be a whole number of days from 1 to 400.");
    }
}
