using System.Text.Json;
using System.Text.RegularExpressions;
using Tokenward.Hosting;
using Tokenward.Tests.Cli;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Storage;

/// <summary>Settings from a file, the environment and options, later winning, each checked at start and shown with its source.</summary>
public sealed partial class ConfigurationTests : TempDir
{
    private static Func<string, string?> Env(params (string Key, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Key == name).Value;

    private string File(string json)
    {
        var path = Path.Combine(Dir, $"tokenward-{Guid.NewGuid():N}.json");
        System.IO.File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void The_file_is_read_and_the_environment_and_options_win_over_it()
    {
        var file = File("""{"max_token_lifetime_days": 90, "ADMIN_MODE": true, "data_dir": "/srv/from-file", "auth_ban_allowlist": ["10.0.0.0/8", "192.0.2.7"]}""");
        var s = TokenwardSettings.Resolve("/srv/from-option", null, null, Env(("TOKENWARD_MAX_TOKEN_LIFETIME_DAYS", "30")), file);
        Assert.Equal(30, s.MaxTokenLifetimeDays);
        Assert.True(s.AdminMode);
        Assert.Equal("/srv/from-option", s.DataDir);
        Assert.True(s.BanPolicy.IsAllowlisted(System.Net.IPAddress.Parse("10.9.9.9")));
        Assert.False(s.BanPolicy.IsAllowlisted(System.Net.IPAddress.Loopback));

        var config = TokenwardConfiguration.Build(file, new Dictionary<Setting, string?> { [SettingsCatalog.DataDir] = "/srv/from-option" }, Env(("TOKENWARD_MAX_TOKEN_LIFETIME_DAYS", "30")));
        Assert.Equal("environment", config.Raw(SettingsCatalog.MaxTokenLifetimeDays).Source.Kind);
        Assert.Equal("file", config.Raw(SettingsCatalog.AdminMode).Source.Kind);
        Assert.Equal("option", config.Raw(SettingsCatalog.DataDir).Source.Kind);
        Assert.Equal("default", config.Raw(SettingsCatalog.SmtpPort).Source.Kind);
    }

    [Fact]
    public void The_file_comes_from_the_config_variable_when_no_option_names_one()
    {
        var file = File("""{"token_prefix": "twpat-"}""");
        Assert.Equal("twpat-", TokenwardSettings.Resolve(null, null, null, Env((TokenwardConfiguration.ConfigVariable, file))).TokenPrefix);
    }

    [Fact]
    public void An_empty_value_is_no_value_wherever_it_is_given()
    {
        var file = File("""{"smtp_host": "mail.example.com", "external_url": ""}""");
        var s = TokenwardSettings.Resolve(null, null, null, Env(("TOKENWARD_SMTP_HOST", "")), file);
        Assert.Equal("mail.example.com", s.Notifications.SmtpHost);
        Assert.Null(s.ExternalUrl);
    }

    [Fact]
    public void A_bad_value_is_refused_naming_where_it_was_given()
    {
        var file = File("""{"max_token_lifetime_days": 0}""");
        Assert.Equal(
            $"max_token_lifetime_days in {file} must be a whole number of days from 1 to 400.",
            Assert.Throws<SettingsException>(() => TokenwardSettings.Resolve(null, null, null, Env(), file)).Message);
        Assert.Equal(
            "TOKENWARD_SMTP_PORT must be a port number.",
            Assert.Throws<SettingsException>(() => TokenwardSettings.Resolve(null, null, null, Env(("TOKENWARD_SMTP_PORT", "smtp")))).Message);
        Assert.StartsWith("--database: ", Assert.Throws<SettingsException>(() => TokenwardSettings.Resolve(null, "mysql://x", null, Env())).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_or_broken_file_is_refused()
    {
        var missing = Path.Combine(Dir, "none.json");
        Assert.Equal($"the configuration file {missing} does not exist.", Assert.Throws<SettingsException>(() => TokenwardSettings.Resolve(null, null, null, Env(), missing)).Message);
        var broken = File("{ not json");
        Assert.StartsWith($"the configuration file {broken}: ", Assert.Throws<SettingsException>(() => TokenwardSettings.Resolve(null, null, null, Env(), broken)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_the_file_does_not_know_is_refused_rather_than_ignored()
    {
        var file = File("""{"admin_mod": true}""");
        Assert.Equal(
            $"the configuration file {file}: 'admin_mod' is not a setting (tokenward config reference lists them).",
            Assert.Throws<SettingsException>(() => TokenwardSettings.Resolve(null, null, null, Env(), file)).Message);
    }

    [Fact]
    public void Whole_numbers_may_carry_spaces_and_a_sign_as_before() =>
        Assert.Equal(90, TokenwardSettings.Resolve(null, null, null, Env(("TOKENWARD_MAX_TOKEN_LIFETIME_DAYS", " +90 "))).MaxTokenLifetimeDays);

    [Fact]
    public void Every_default_is_the_catalogs()
    {
        var s = new TokenwardSettings { DataDir = Dir, Database = Tokenward.Storage.DatabaseTarget.SqliteIn(Dir), LogDir = Dir };
        var resolved = TokenwardSettings.Resolve(Dir, null, null, Env());
        Assert.Equal(
            (s.MaxTokenLifetimeDays, s.RequireTokenExpiry, s.AuthCacheSeconds, s.RotationGraceSeconds, s.BanPolicy.MaxFailures, s.BanPolicy.BanTime, s.Notifications.SmtpPort, s.Notifications.Interval, s.Notifications.From),
            (resolved.MaxTokenLifetimeDays, resolved.RequireTokenExpiry, resolved.AuthCacheSeconds, resolved.RotationGraceSeconds, resolved.BanPolicy.MaxFailures, resolved.BanPolicy.BanTime, resolved.Notifications.SmtpPort, resolved.Notifications.Interval, resolved.Notifications.From));
        Assert.Equal((365, 300, 25), (SettingsCatalog.MaxTokenLifetimeDays.Default, SettingsCatalog.AuthBanMaxFailures.Default, SettingsCatalog.SmtpPort.Default));
    }

    [Fact]
    public void Readmes_table_is_the_one_generated_from_the_settings()
    {
        var readme = System.IO.File.ReadAllText(Path.Combine(Repo.Root, "README.md"));
        var table = TableRegex().Match(readme);
        Assert.True(table.Success, "README.md has no <!-- settings:begin --> ... <!-- settings:end --> section");
        Assert.Equal(SettingsCatalog.Markdown(), table.Groups[1].Value);
    }

    [Fact]
    public void Every_tokenward_variable_the_code_reads_is_a_catalogued_setting()
    {
        string[] notSettings = ["TOKENWARD_CONFIG"];
        var named = Directory.EnumerateFiles(Path.Combine(Repo.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .SelectMany(f => VariableRegex().Matches(System.IO.File.ReadAllText(f)).Select(m => m.Value))
            .Where(v => !v.EndsWith('_'))
            .ToHashSet(StringComparer.Ordinal);
        var catalogued = SettingsCatalog.All.Select(s => s.Variable).Concat(notSettings).ToHashSet(StringComparer.Ordinal);
        Assert.Empty(named.Except(catalogued));
    }

    [Fact]
    public async Task Config_show_says_where_each_value_comes_from_and_hides_secrets()
    {
        var file = File("""{"smtp_password": "hunter2-secret", "webhook_urls": "https://hooks.example.com/p/s3cr3t-path"}""");
        var run = await TokenwardProcess.RunAsync(
            new Dictionary<string, string> { ["TOKENWARD_SECRET"] = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0=", ["TOKENWARD_ADMIN_MODE"] = "true" },
            "config", "show", "--config", file, "--format", "json", "--data-dir", Dir);
        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain("hunter2", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", run.Stdout, StringComparison.Ordinal);
        var settings = JsonDocument.Parse(run.Stdout).RootElement.GetProperty("settings").EnumerateArray()
            .ToDictionary(e => e.GetProperty("variable").GetString()!, e => (e.GetProperty("value").GetString(), e.GetProperty("where").GetString()));
        Assert.Equal(("(set, hidden)", $"file {file}"), settings["TOKENWARD_SMTP_PASSWORD"]);
        Assert.Equal(("true", "environment TOKENWARD_ADMIN_MODE"), settings["TOKENWARD_ADMIN_MODE"]);
        Assert.Equal((Dir, "option --data-dir"), settings["TOKENWARD_DATA_DIR"]);
        Assert.Equal(("365", "default"), settings["TOKENWARD_MAX_TOKEN_LIFETIME_DAYS"]);

        var bad = await TokenwardProcess.RunAsync(new Dictionary<string, string> { ["TOKENWARD_AUTH_CACHE_SECONDS"] = "forever" }, "config", "show");
        Assert.Equal((1, "tokenward: TOKENWARD_AUTH_CACHE_SECONDS must be a number of seconds from 0 to 300.\n"), (bad.ExitCode, bad.Stderr));
    }

    [GeneratedRegex(@"<!-- settings:begin -->\n(.*?)<!-- settings:end -->", RegexOptions.Singleline)]
    private static partial Regex TableRegex();

    [GeneratedRegex(@"TOKENWARD_[A-Z_]+")]
    private static partial Regex VariableRegex();
}
