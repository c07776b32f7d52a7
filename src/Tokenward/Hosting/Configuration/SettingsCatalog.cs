using System.Globalization;
using System.Net;
using MailKit.Security;

namespace Tokenward.Hosting;

/// <summary>
/// Every setting Tokenward reads, with its default (the only place each is written: the settings
/// types take their initial values from here), what it means and how a text becomes its value.
/// README's configuration table is generated from this list (<c>tokenward config reference</c>)
/// and a test holds README to it.
/// </summary>
public static class SettingsCatalog
{
    public static readonly Setting<string> DataDir = new(
        "DATA_DIR", "data", "`./data`", "SQLite file, `secrets.json`, `log/`", v => v, option: "--data-dir");

    public static readonly Setting<string?> Database = new(
        "DATABASE", null, "SQLite in the data folder", "PostgreSQL: `postgres://user:pass@host:port/db` or an Npgsql connection string",
        v => v, option: "--database", show: ShowDatabase);

    public static readonly Setting<string?> LogDir = new(
        "LOG_DIR", null, "`<data-dir>/log`", "where `api_json.log` is written", v => v, option: "--log-dir");

    public static readonly Setting<string?> ExternalUrl = new(
        "EXTERNAL_URL", null, "the first listen address (`localhost` for a wildcard one)",
        "GitLab's `external_url`: the base of pagination `Link` headers, `web_url`s and the OpenAPI document's `servers`; set it behind a proxy (`serve` warns when `TOKENWARD_TRUSTED_PROXIES` is set without it). The request's `Host` header is never used",
        ParseExternalUrl);

    public static readonly Setting<string?> InitialRootToken = new(
        "INITIAL_ROOT_TOKEN", null, "generated, printed once", "value of root's first token (scopes `api`, `sudo`), only when the database is empty; ignored with a warning otherwise",
        v => v, secret: true);

    public static readonly Setting<string?> Secret = new(
        "SECRET", null, "generated into `<data-dir>/secrets.json` (mode 600)", "base64 key (≥ 32 bytes) of the token digests; keep it with your backups, apart from the database",
        v => v, secret: true);

    public static readonly Setting<string> TokenPrefix = new(
        "TOKEN_PREFIX", Core.Tokens.TokenFormat.DefaultPrefix, null, "prefix of generated tokens", ParsePrefix);

    public static readonly Setting<bool> RequireTokenExpiry = new(
        "REQUIRE_TOKEN_EXPIRY", true, null, "GitLab's `require_personal_access_token_expiry` (the starting value; see below)", ParseBool);

    public static readonly Setting<int> MaxTokenLifetimeDays = new(
        "MAX_TOKEN_LIFETIME_DAYS", 365, null, "GitLab's `max_personal_access_token_lifetime` (1–400; the starting value)",
        v => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var days) && days is >= 1 and <= Core.Tokens.TokenPolicy.MaxLifetimeCeiling
            ? days : throw new FormatException(" must be a whole number of days from 1 to 400."));

    public static readonly Setting<bool> ImpersonationEnabled = new(
        "IMPERSONATION_ENABLED", true, null, "when false, impersonation tokens fail with `impersonation_disabled`", ParseBool);

    public static readonly Setting<double> AuthCacheSeconds = new(
        "AUTH_CACHE_SECONDS", 5, null, "how long a found token is remembered (0 = look up every request); see below", ParseSeconds);

    public static readonly Setting<double> RotationGraceSeconds = new(
        "ROTATION_GRACE_SECONDS", 5, null,
        "how long after a rotation its old token, presented to rotate again, is taken for a client's retry (400, family kept) rather than a leak (family revoked); 0–300",
        ParseSeconds);

    public static readonly Setting<bool> AdminMode = new(
        "ADMIN_MODE", false, null, "GitLab's admin mode: admin rights need a token with the `admin_mode` scope", ParseBool);

    public static readonly Setting<TimeSpan> SessionIdle = new(
        "SESSION_IDLE_MINUTES", TimeSpan.FromMinutes(60), "`60`", "the web UI's idle timeout: a session unused this long (in minutes) ends", v => TimeSpan.FromMinutes(Whole(v, 10_080)));

    public static readonly Setting<bool> AuthBanEnabled = new(
        "AUTH_BAN_ENABLED", true, null, "the failed-authentication ban (below)", ParseBool);

    public static readonly Setting<int> AuthBanMaxFailures = new(
        "AUTH_BAN_MAX_FAILURES", 300, null, "failed authentications from one address within the window that ban it (GitLab.com's number)", v => Whole(v, 1_000_000));

    public static readonly Setting<TimeSpan> AuthBanFindTime = new(
        "AUTH_BAN_FINDTIME_SECONDS", TimeSpan.FromSeconds(60), "`60`", "the window, in seconds", v => TimeSpan.FromSeconds(Whole(v, 86_400)));

    public static readonly Setting<TimeSpan> AuthBanBanTime = new(
        "AUTH_BAN_BANTIME_SECONDS", TimeSpan.FromMinutes(15), "`900`", "how long a ban lasts, in seconds", v => TimeSpan.FromSeconds(Whole(v, 31_536_000)));

    public static readonly Setting<IReadOnlyList<IPNetwork>> AuthBanAllowlist = new(
        "AUTH_BAN_ALLOWLIST", [IPNetwork.Parse("127.0.0.1/32"), IPNetwork.Parse("::1/128")], "`127.0.0.1,::1`", "addresses and CIDR networks never banned", ParseNetworks);

    public static readonly Setting<IReadOnlyList<IPNetwork>> MonitoringAllowlist = new(
        "MONITORING_ALLOWLIST", [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")], "`127.0.0.0/8,::1/128`",
        "addresses and CIDR networks that may read `/-/readiness`, `/-/liveness` and `/-/metrics` (GitLab's monitoring allowlist); others get 404", ParseNetworks);

    public static readonly Setting<IReadOnlyList<IPNetwork>> TrustedProxies = new(
        "TRUSTED_PROXIES", [], "none", "proxies (addresses or CIDRs) whose `X-Forwarded-For` (and `X-Forwarded-Proto`) is believed; nobody else's is", ParseNetworks);

    public static readonly Setting<Cluster.RedisTarget?> RedisUrl = new(
        "REDIS_URL", null, "none (bans and the token cache stay in each process)",
        "`redis://[:password@]host:port[/db]` (`rediss://` for TLS): failure counts and bans shared by every node, and changes to tokens and users sent to every node's token cache at once; see Several nodes",
        Cluster.RedisTarget.Parse, show: v => Cluster.RedisTarget.Parse(v).Describe());

    public static readonly Setting<TimeSpan> MetricsRefresh = new(
        "METRICS_REFRESH_SECONDS", TimeSpan.FromSeconds(60), "`60`",
        "how often the token gauges of `/-/metrics` are counted again (one aggregate query; never per scrape)", v => TimeSpan.FromSeconds(Whole(v, 86_400)));

    public static readonly Setting<string?> SmtpHost = new(
        "SMTP_HOST", null, "none", "SMTP server for expiry notices by email", v => v);

    public static readonly Setting<int> SmtpPort = new(
        "SMTP_PORT", 25, null, "its port",
        v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 65535 ? n : throw new FormatException(" must be a port number."));

    public static readonly Setting<SecureSocketOptions> SmtpSecurity = new(
        "SMTP_SECURITY", SecureSocketOptions.StartTlsWhenAvailable, "`auto`", "`auto` (STARTTLS when offered), `none`, `starttls` or `ssl`",
        v => v.ToLowerInvariant() switch
        {
            "auto" => SecureSocketOptions.StartTlsWhenAvailable,
            "none" => SecureSocketOptions.None,
            "starttls" => SecureSocketOptions.StartTls,
            "ssl" or "tls" => SecureSocketOptions.SslOnConnect,
            var other => throw new FormatException($" must be auto, none, starttls or ssl, not '{other}'."),
        });

    public static readonly Setting<string?> SmtpUsername = new("SMTP_USERNAME", null, "none", "SMTP sign-in name", v => v);

    public static readonly Setting<string?> SmtpPassword = new("SMTP_PASSWORD", null, "none", "SMTP password", v => v, secret: true);

    public static readonly Setting<string> SmtpFrom = new(
        "SMTP_FROM", "tokenward@localhost", null, "sender of the notices",
        v => MimeKit.MailboxAddress.TryParse(v, out var sender) && sender.Domain.Length > 0 ? v : throw new FormatException($" must be an e-mail address, not '{v}'."));

    public static readonly Setting<IReadOnlyList<Uri>> WebhookUrls = new(
        "WEBHOOK_URLS", [], "none", "comma-separated URLs that get GitLab's `access_token` hook for project and group tokens",
        v => [.. Items(v)
            .Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : throw new FormatException($": '{u}' is not an http(s) URL."))
            .DistinctBy(u => u.ToString(), StringComparer.Ordinal)],
        show: v => string.Join(',', Items(v).Select(Notifications.WebhookSender.Masked)));

    public static readonly Setting<string?> WebhookSecret = new(
        "WEBHOOK_SECRET", null, "none", "sent as `X-Gitlab-Token` with every hook", v => v, secret: true);

    public static readonly Setting<TimeSpan> NotifyInterval = new(
        "NOTIFY_INTERVAL_MINUTES", TimeSpan.FromHours(1), "`60`", "how often `serve` looks for due notices (0: never; `tokenward notify` runs once)",
        v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var mins) ? TimeSpan.FromMinutes(mins)
            : throw new FormatException(" must be a whole number of minutes (0 turns the job off)."));

    public static readonly Setting<bool> NotifyResourceExpired = new(
        "NOTIFY_RESOURCE_EXPIRED", false, null,
        "also mail a project or group token's expiry (the `expired` notice) to its Maintainers and Owners; GitLab mails only 60, 30 and 7 days before for them", ParseBool);

    public static readonly Setting<IReadOnlyList<string>> WebhookNotices = new(
        "WEBHOOK_NOTICES", ["7d"], "`7d`", "which notices also go to the webhooks: GitLab sends 7 days before; `60d,30d,7d` adds GitLab's optional 30 and 60",
        v => [.. Items(v)
            .Select(n => Notifications.Notice.All.Any(x => x.Name == n && !x.IsExpiry) ? n : throw new FormatException($": '{n}' is not one of 60d, 30d, 7d."))]);

    public static readonly Setting<double> ExpiryCliffPercent = new(
        "EXPIRY_CLIFF_PERCENT", Core.Tokens.ExpiryCliffs.DefaultPercent, "`2`",
        "a day on which at least this share (%) of the active tokens with a date expire, and at least 10, is an expiry cliff: reported first, and told to admins 60, 30 and 7 days ahead",
        v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) && p is >= 0.1 and <= 100
            ? p : throw new FormatException(" must be a percentage from 0.1 to 100."));

    public static readonly Setting<bool> NotifyExpiryCliffs = new(
        "NOTIFY_EXPIRY_CLIFFS", true, null, "tell active administrators (e-mail) and every webhook of an expiry cliff 60, 30 and 7 days ahead", ParseBool);

    public static readonly Setting<string?> Url = new(
        "URL", null, "none (work on the database)", "a running Tokenward or GitLab server for the CLI's remote commands (with or without `/api/v4`)", v => v, option: "--url");

    public static readonly Setting<string?> Token = new(
        "TOKEN", null, "none", "an administrator's token for that server", v => v, option: "--token", secret: true);

    /// <summary>Every setting, in README's order.</summary>
    public static readonly IReadOnlyList<Setting> All =
    [
        DataDir, Database, LogDir, ExternalUrl, InitialRootToken, Secret, TokenPrefix, RequireTokenExpiry, MaxTokenLifetimeDays,
        ImpersonationEnabled, AuthCacheSeconds, RotationGraceSeconds, AdminMode, SessionIdle, AuthBanEnabled, AuthBanMaxFailures, AuthBanFindTime,
        AuthBanBanTime, AuthBanAllowlist, MonitoringAllowlist, TrustedProxies, RedisUrl, MetricsRefresh, SmtpHost, SmtpPort, SmtpSecurity, SmtpUsername, SmtpPassword, SmtpFrom,
        WebhookUrls, WebhookSecret, NotifyInterval, NotifyResourceExpired, WebhookNotices, ExpiryCliffPercent, NotifyExpiryCliffs, Url, Token,
    ];

    /// <summary>README's configuration table.</summary>
    public static string Markdown()
    {
        var table = new System.Text.StringBuilder();
        table.Append("| Option | Variable (`tokenward.json` key) | Default | Meaning |\n|---|---|---|---|\n");
        foreach (var s in All)
        {
            table.Append(CultureInfo.InvariantCulture, $"| {(s.Option is { } o ? $"`{o}`" : string.Empty)} | `{s.Variable}` (`{s.FileKey}`) | {s.DefaultText} | {s.Description} |\n");
        }

        return table.ToString();
    }

    /// <summary>A comma-separated list's items (a JSON array in the file arrives joined so).</summary>
    private static string[] Items(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool ParseBool(string value) => value.ToLowerInvariant() switch
    {
        "1" or "true" or "yes" or "on" => true,
        "0" or "false" or "no" or "off" => false,
        _ => throw new FormatException($" must be true or false, not '{value}'."),
    };

    private static int Whole(string value, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= max ? n
        : throw new FormatException($" must be a whole number from 1 to {max}.");

    private static double ParseSeconds(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s is >= 0 and <= 300
            ? s : throw new FormatException(" must be a number of seconds from 0 to 300.");

    private static IReadOnlyList<IPNetwork> ParseNetworks(string list)
    {
        try
        {
            return AuthBans.BanPolicy.ParseNetworks(list);
        }
        catch (FormatException e)
        {
            throw new FormatException($": {e.Message}.");
        }
    }

    private static string ParsePrefix(string prefix)
    {
        try
        {
            _ = new Core.Tokens.TokenFormat(prefix);
            return prefix;
        }
        catch (ArgumentException e)
        {
            throw new FormatException($": {e.Message}");
        }
    }

    private static string? ParseExternalUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0
            ? uri.GetLeftPart(UriPartial.Path).TrimEnd('/')
            : throw new FormatException($" must be an http(s) URL such as https://tokens.example.com, not '{value}'.");

    private static string ShowDatabase(string value)
    {
        try
        {
            return Storage.DatabaseTarget.Postgres(value).Describe();
        }
        catch (FormatException)
        {
            return "(not a PostgreSQL address)";
        }
    }
}
