using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Storage;
using Tokenward.Tests.Cli;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Toolkit;

/// <summary>
/// The real <c>tokenward tokens extend --spread</c>: locally (on the real clock, so dates are
/// counted from today) and through the admin API (on the test server's clock, 2026-06-01).
/// </summary>
public class SpreadCliTests
{
    private static string Text(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static Task<TokenwardProcess.Result> LocalAsync(ToolkitData data, params string[] args) =>
        TokenwardProcess.RunAsync(null, ["tokens", .. args, "--data-dir", data.Server.Dir]);

    private static Task<TokenwardProcess.Result> RemoteAsync(ToolkitData data, params string[] args) =>
        TokenwardProcess.RunAsync(new Dictionary<string, string> { ["TOKENWARD_URL"] = data.Server.BaseAddress.ToString(), ["TOKENWARD_TOKEN"] = TestServer.RootToken }, ["tokens", .. args]);

    private static async Task<List<DateOnly?>> DatesAsync(ToolkitData data, List<long> ids)
    {
        await using var scope = data.Server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TokenwardDb>().PersonalAccessTokens.Where(t => ids.Contains(t.Id)).Select(t => t.ExpiresAt).ToListAsync();
    }

    private static async Task MoveAsync(ToolkitData data, List<long> ids, DateOnly to)
    {
        await using var scope = data.Server.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<TokenwardDb>().PersonalAccessTokens.Where(t => ids.Contains(t.Id)).ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, to));
    }

    [Fact]
    public async Task The_dry_run_draws_the_new_dates_and_yes_applies_them()
    {
        var data = await ToolkitData.CreateAsync(DatabaseEngine.Sqlite);
        await using var _ = data.Server;
        var cliff = await SpreadTests.CliffAsync(data, 100);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var on = today.AddDays(20);
        await MoveAsync(data, cliff, on);
        var start = today.AddDays(30);
        string[] spread = ["extend", "--expiring-on", Text(on), "--to", Text(start), "--spread", "2w"];

        var dry = await LocalAsync(data, spread);
        Assert.True(dry.ExitCode == 0, dry.Stderr);
        Assert.Contains($"100 tokens would get dates spread from {Text(start)} to {Text(start.AddDays(13))} (dry run", dry.Stdout, StringComparison.Ordinal);
        var bars = dry.Stdout.Split('\n').Where(l => l.Contains('█', StringComparison.Ordinal)).ToList();
        Assert.Equal(14, bars.Count);
        Assert.All(bars, l => Assert.True(l.Length <= 80, l));
        Assert.StartsWith(start.ToString("yyyy-MM-dd ddd", CultureInfo.InvariantCulture), bars[0], StringComparison.Ordinal);
        Assert.All(await DatesAsync(data, cliff), d => Assert.Equal(on, d));

        var json = await LocalAsync(data, [.. spread, "--workdays", "--format", "json"]);
        var perDay = JsonNode.Parse(json.Stdout)!["spread"]!["per_day"]!.AsArray();
        Assert.Equal(10, perDay.Count);
        Assert.All(perDay, d => Assert.Equal(10, (int)d!["tokens"]!));
        Assert.Equal(json.Stdout, (await LocalAsync(data, [.. spread, "--workdays", "--format", "json"])).Stdout);

        var done = await LocalAsync(data, [.. spread, "--workdays", "--yes"]);
        Assert.True(done.ExitCode == 0, done.Stderr);
        Assert.Contains($"Spread 100 tokens over {Text(start)} to ", done.Stdout, StringComparison.Ordinal);
        var dates = await DatesAsync(data, cliff);
        Assert.Equal(10, dates.Distinct().Count());
        Assert.DoesNotContain(dates, d => d!.Value.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday);
    }

    [Fact]
    public async Task Through_the_admin_api_it_spreads_the_same_way()
    {
        var data = await ToolkitData.CreateAsync(DatabaseEngine.Sqlite);
        await using var _ = data.Server;
        var cliff = await SpreadTests.CliffAsync(data, 60);
        string[] spread = ["extend", "--expiring-on", "2026-08-01", "--to", "2026-09-01", "--spread", "4w", "--workdays"];

        var dry = await RemoteAsync(data, [.. spread, "--format", "json"]);
        Assert.True(dry.ExitCode == 0, dry.Stderr);
        var plan = JsonNode.Parse(dry.Stdout)!["spread"]!;
        Assert.Equal(("2026-09-01", "2026-09-28", true), ((string?)plan["from"], (string?)plan["to"], (bool)plan["workdays"]!));
        Assert.All(plan["per_day"]!.AsArray(), d => Assert.Equal(3, (int)d!["tokens"]!));

        var table = await RemoteAsync(data, spread);
        Assert.Contains("2026-09-01 Tue", table.Stdout, StringComparison.Ordinal);
        Assert.Contains('█', table.Stdout);

        var done = await RemoteAsync(data, [.. spread, "--yes"]);
        Assert.True(done.ExitCode == 0, done.Stderr);
        Assert.Contains("Spread 60 tokens over 2026-09-01 to 2026-09-28, workdays only", done.Stdout, StringComparison.Ordinal);
        Assert.Equal(20, (await DatesAsync(data, cliff)).Distinct().Count());
    }

    [Fact]
    public async Task Bad_spreads_are_a_message_and_a_non_zero_exit()
    {
        var data = await ToolkitData.CreateAsync(DatabaseEngine.Sqlite);
        await using var _ = data.Server;
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var on = Text(today.AddDays(20));

        foreach (var (args, message) in new (string[], string)[]
        {
            (["extend", "--spread", "4w"], "--expiring-on"),
            (["extend", "--expiring-on", on, "--spread", "a month"], "--spread must be a period"),
            (["extend", "--expiring-on", on, "--workdays"], "--workdays goes with --spread"),
            (["extend", "--expiring-on", on, "--to", Text(today.AddDays(10)), "--spread", "4w"], "never shortens"),
            (["extend", "--expiring-on", on, "--to", Text(today.AddDays(360)), "--spread", "4w"], "maximum token lifetime"),
            (["extend", "--expiring-on", on, "--to", "9999-12-20", "--spread", "4w", "--ignore-policy"], "9999-12-31"),
        })
        {
            var result = await LocalAsync(data, args);
            Assert.True(result.ExitCode != 0, string.Join(' ', args));
            Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        }
    }
}
