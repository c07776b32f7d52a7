using Npgsql;
using Tokenward.Hosting;
using Tokenward.Storage;

namespace Tokenward.Tests.Storage;

public class SettingsTests
{
    private static Func<string, string?> Env(params (string Key, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Key == name).Value;

    [Fact]
    public void Defaults_are_sqlite_in_data_with_logs_beside_it()
    {
        var s = TokenwardSettings.Resolve(null, null, null, Env());
        Assert.Equal(Path.GetFullPath("data"), s.DataDir);
        Assert.Equal(DatabaseEngine.Sqlite, s.Database.Engine);
        Assert.Equal(Path.GetFullPath("data/log"), s.LogDir);
        Assert.Equal("glpat-", s.TokenPrefix);
        Assert.True(s.RequireTokenExpiry);
        Assert.Equal(365, s.MaxTokenLifetimeDays);
    }

    [Fact]
    public void Options_win_over_environment()
    {
        var s = TokenwardSettings.Resolve("/tmp/a", null, null, Env(("TOKENWARD_DATA_DIR", "/tmp/b"), ("TOKENWARD_LOG_DIR", "/tmp/logs")));
        Assert.Equal("/tmp/a", s.DataDir);
        Assert.Equal("/tmp/logs", s.LogDir);
    }

    [Fact]
    public void A_postgres_url_becomes_a_connection_string()
    {
        var s = TokenwardSettings.Resolve(null, "postgres://tw:p%40ss@db.internal:6543/tokens?sslmode=disable", null, Env());
        Assert.Equal(DatabaseEngine.Postgres, s.Database.Engine);
        var b = new NpgsqlConnectionStringBuilder(s.Database.ConnectionString);
        Assert.Equal(("db.internal", 6543, "tokens", "tw", "p@ss", SslMode.Disable), (b.Host, b.Port, b.Database, b.Username, b.Password, b.SslMode));
        Assert.DoesNotContain("p@ss", s.Database.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_npgsql_connection_string_is_taken_as_is()
    {
        var s = TokenwardSettings.Resolve(null, null, null, Env(("TOKENWARD_DATABASE", "Host=localhost;Database=tw;Username=u")));
        Assert.Equal("localhost", new NpgsqlConnectionStringBuilder(s.Database.ConnectionString).Host);
    }

    [Theory]
    [InlineData("postgres://", null)]
    [InlineData("not a connection string", null)]
    [InlineData("postgres://u@h/db?nonsense=1", null)]
    [InlineData(null, "TOKENWARD_MAX_TOKEN_LIFETIME_DAYS")]
    [InlineData(null, "TOKENWARD_REQUIRE_TOKEN_EXPIRY")]
    [InlineData(null, "TOKENWARD_TOKEN_PREFIX")]
    public void Unusable_values_are_clear_errors(string? database, string? badVariable)
    {
        var env = badVariable is null ? Env() : Env((badVariable, "has spaces 999"));
        Assert.Throws<SettingsException>(() => TokenwardSettings.Resolve(null, database, null, env));
    }

    [Fact]
    public void Ban_policy_and_trusted_proxies_come_from_the_environment()
    {
        var s = TokenwardSettings.Resolve(null, null, null, Env(
            ("TOKENWARD_AUTH_BAN_MAX_FAILURES", "10"),
            ("TOKENWARD_AUTH_BAN_FINDTIME_SECONDS", "30"),
            ("TOKENWARD_AUTH_BAN_BANTIME_SECONDS", "3600"),
            ("TOKENWARD_AUTH_BAN_ALLOWLIST", "10.0.0.0/8, 192.0.2.7"),
            ("TOKENWARD_TRUSTED_PROXIES", "127.0.0.1")));
        Assert.Equal((10, TimeSpan.FromSeconds(30), TimeSpan.FromHours(1)), (s.BanPolicy.MaxFailures, s.BanPolicy.FindTime, s.BanPolicy.BanTime));
        Assert.True(s.BanPolicy.IsAllowlisted(System.Net.IPAddress.Parse("10.1.2.3")));
        Assert.True(s.BanPolicy.IsAllowlisted(System.Net.IPAddress.Parse("192.0.2.7")));
        Assert.False(s.BanPolicy.IsAllowlisted(System.Net.IPAddress.Parse("192.0.2.8")));
        Assert.Single(s.TrustedProxies);

        var defaults = TokenwardSettings.Resolve(null, null, null, Env());
        Assert.Equal((true, 300), (defaults.BanPolicy.Enabled, defaults.BanPolicy.MaxFailures));
        Assert.True(defaults.BanPolicy.IsAllowlisted(System.Net.IPAddress.Loopback));
        Assert.Empty(defaults.TrustedProxies);

        Assert.Throws<SettingsException>(() => TokenwardSettings.Resolve(null, null, null, Env(("TOKENWARD_AUTH_BAN_ALLOWLIST", "10.0.0.0/99"))));
        Assert.Throws<SettingsException>(() => TokenwardSettings.Resolve(null, null, null, Env(("TOKENWARD_TRUSTED_PROXIES", "proxy.local"))));
    }

    [Fact]
    public void Notice_settings_are_checked_when_read()
    {
        Assert.Throws<SettingsException>(() => TokenwardSettings.Resolve(null, null, null, Env(("TOKENWARD_SMTP_FROM", "tokenward"))));
        Assert.Throws<SettingsException>(() => TokenwardSettings.Resolve(null, null, null, Env(("TOKENWARD_WEBHOOK_NOTICES", "7d,1d"))));
        var s = TokenwardSettings.Resolve(null, null, null, Env(
            ("TOKENWARD_WEBHOOK_URLS", "https://hooks.example.com/a, https://hooks.example.com/a,https://hooks.example.com/A"),
            ("TOKENWARD_WEBHOOK_NOTICES", "60d,30d,7d"),
            ("TOKENWARD_NOTIFY_RESOURCE_EXPIRED", "true")));
        Assert.Equal(["https://hooks.example.com/a", "https://hooks.example.com/A"], s.Notifications.WebhookUrls.Select(u => u.ToString()));
        Assert.Equal(["60d", "30d", "7d"], s.Notifications.WebhookNotices);
        Assert.True(s.Notifications.ResourceExpired);
        Assert.Equal(["7d"], TokenwardSettings.Resolve(null, null, null, Env()).Notifications.WebhookNotices);
    }

    [Fact]
    public void The_external_url_is_an_http_url_kept_without_its_trailing_slash()
    {
        Assert.Equal("https://tokens.example.com/gitlab", TokenwardSettings.Resolve(null, null, null, Env(("TOKENWARD_EXTERNAL_URL", "https://tokens.example.com/gitlab/"))).ExternalUrl);
        Assert.Null(TokenwardSettings.Resolve(null, null, null, Env()).ExternalUrl);
        foreach (var bad in new[] { "tokens.example.com", "ftp://tokens.example.com", "https://tokens.example.com/?a=b", "https://user:pw@tokens.example.com" })
        {
            Assert.Throws<SettingsException>(() => TokenwardSettings.Resolve(null, null, null, Env(("TOKENWARD_EXTERNAL_URL", bad))));
        }
        Assert.Throws<SettingsException>(() => TokenwardSettings.Resolve(null, null, null, Env(("TOKENWARD_AUTH_BAN_MAX_FAILURES", "0"))));
    }

    [Fact]
    public void The_instance_secret_is_generated_once_and_kept_private()
    {
        var dir = Directory.CreateTempSubdirectory("tokenward-secret-").FullName;
        try
        {
            var s = TokenwardSettings.Resolve(dir, null, null, Env());
            var first = InstanceSecret.Load(s);
            Assert.Equal(32, first.Length);
            Assert.Equal(first, InstanceSecret.Load(s));
            var mode = OperatingSystem.IsWindows() ? UnixFileMode.UserRead | UnixFileMode.UserWrite : File.GetUnixFileMode(Path.Combine(dir, InstanceSecret.FileName));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);

            var configured = Convert.ToBase64String(Enumerable.Repeat((byte)7, 32).ToArray());
            Assert.Equal(Enumerable.Repeat((byte)7, 32).ToArray(), InstanceSecret.Load(s with { Secret = configured }));
            Assert.Throws<SettingsException>(() => InstanceSecret.Load(s with { Secret = "c2hvcnQ=" }));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
