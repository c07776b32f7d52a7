using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Cluster;

/// <summary>
/// The alert rules and the Grafana dashboard of docs/: the rules pass Prometheus's own checker and
/// their unit tests (promtool, from Debian's prometheus), and every metric the dashboard and the
/// rules name is one Tokenward exports (README's metrics table, which MetricsTests holds to a scrape).
/// </summary>
public sealed partial class MonitoringAssetsTests
{
    private static readonly string Rules = Path.Combine(Repo.Root, "docs", "prometheus", "tokenward-alerts.yml");
    private static readonly string RuleTests = Path.Combine(Repo.Root, "docs", "prometheus", "tokenward-alerts.test.yml");
    private static readonly string Dashboard = Path.Combine(Repo.Root, "docs", "grafana", "tokenward-dashboard.json");

    [Fact]
    public async Task The_alert_rules_pass_promtool_check_and_their_unit_tests()
    {
        var check = await PromtoolAsync("check", "rules", Rules);
        Assert.True(check.ExitCode == 0, check.Output);
        var test = await PromtoolAsync("test", "rules", RuleTests);
        Assert.True(test.ExitCode == 0, test.Output);
        Assert.Contains("SUCCESS", test.Output, StringComparison.Ordinal);
        foreach (var alert in new[] { "TokenwardExpiryCliffAhead", "TokenwardAuthFailureSpike", "TokenwardBanActive" })
        {
            Assert.Contains("alert: " + alert, await File.ReadAllTextAsync(Rules), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_dashboard_and_the_rules_name_only_metrics_Tokenward_exports()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(Repo.Root, "README.md"));
        var exported = MetricInTable().Matches(readme).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("tokenward_tokens", exported);

        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Dashboard));
        var expressions = Expressions(dashboard.RootElement).ToList();
        Assert.True(expressions.Count >= 10, "the dashboard has its panels' queries");
        expressions.Add(await File.ReadAllTextAsync(Rules));
        var named = expressions.SelectMany(e => MetricName().Matches(e).Select(m => m.Value)).ToHashSet(StringComparer.Ordinal);
        foreach (var name in named)
        {
            var base_ = SeriesSuffix().Replace(name, string.Empty);
            Assert.True(
                exported.Contains(name) || exported.Contains(base_) || exported.Any(x => x.EndsWith('*') && name.StartsWith(x.TrimEnd('*'), StringComparison.Ordinal)),
                $"{name} is not a metric Tokenward exports");
        }
    }

    private static IEnumerable<string> Expressions(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name == "expr" && property.Value.ValueKind == JsonValueKind.String)
                {
                    yield return property.Value.GetString()!;
                }
                else
                {
                    foreach (var e in Expressions(property.Value))
                    {
                        yield return e;
                    }
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in element.EnumerateArray().SelectMany(Expressions))
            {
                yield return e;
            }
        }
    }

    private static async Task<(int ExitCode, string Output)> PromtoolAsync(params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/promtool") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("promtool did not start; install Debian's prometheus (scripts/test does)");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>A metric in README's table: <c>| `name` |</c>, or several in one cell, or a family (<c>db_client_connection_*</c>).</summary>
    [GeneratedRegex(@"`((?:tokenward|http_server|db_client)_[a-z_]*\*?)`")]
    private static partial Regex MetricInTable();

    [GeneratedRegex(@"\b(?:tokenward|http_server|db_client)_[a-z_]+\b")]
    private static partial Regex MetricName();

    [GeneratedRegex("_(bucket|sum|count|total)$")]
    private static partial Regex SeriesSuffix();
}
