using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Tokenward.ApiLog;
using Tokenward.Audit;
using Tokenward.AuthBans;
using Tokenward.Hosting;
using Tokenward.LogAnalysis;
using Tokenward.Toolkit;

namespace Tokenward.Web.Pages.Admin;

/// <summary>
/// Failed authentications from this instance's <c>api_json.log</c> (its rotated files too), by the
/// same scan as <c>tokenward logs auth-failures</c>: over time by reason, the tokens that fail
/// most with their owner and the fix, the addresses, and the bans in force with a way to lift them.
/// </summary>
public sealed class AuthenticationFailuresModel(TokenwardSettings settings, TokenInventory inventory, FailedAuthBans bans, AuditLog audit, ActorContext actor, TimeProvider clock) : PageModel
{
    public static readonly IReadOnlyDictionary<string, TimeSpan> Windows = new Dictionary<string, TimeSpan>
    {
        ["24h"] = TimeSpan.FromHours(24),
        ["7d"] = TimeSpan.FromDays(7),
        ["30d"] = TimeSpan.FromDays(30),
    };

    /// <summary>Reasons drawn in their own colour; the rest are drawn as "other".</summary>
    public const int ChartReasons = 5;

    public string Window { get; private set; } = "7d";

    public AuthFailureReport Report { get; private set; } = null!;

    public IReadOnlyList<Ban> Bans { get; private set; } = [];

    /// <summary>The chart's buckets (an hour over a day or a week, a day over 30 days) and each one's count per reason.</summary>
    public List<(DateTime Start, Dictionary<string, long> Counts)> Buckets { get; private set; } = [];

    public List<string> Reasons { get; private set; } = [];

    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? window, CancellationToken ct)
    {
        await LoadAsync(window, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostLiftAsync(string? window, string? ip, CancellationToken ct)
    {
        if (!IPAddress.TryParse(ip, out var address))
        {
            return BadRequest("ip is invalid");
        }

        Message = await AuthBansEndpoints.LiftAsync(bans, audit, actor.Current, address, ct)
            ? $"Lifted the ban on {address}."
            : $"{address} is not banned.";
        await LoadAsync(window, ct);
        return Page();
    }

    private async Task LoadAsync(string? window, CancellationToken ct)
    {
        Window = window is not null && Windows.ContainsKey(window) ? window : "7d";
        var now = clock.GetUtcNow().UtcDateTime;
        var since = now - Windows[Window];
        var filter = new LogFilter { Since = since };
        var logDir = settings.LogDir;
        var inputs = Directory.Exists(logDir) && Directory.GetFiles(logDir, ApiJsonLog.FileName + "*").Length > 0 ? LogInput.Expand([logDir]) : [];
        // The scan is CPU work over files: off the request thread, as many workers as cores.
        var stats = inputs.Count == 0 ? new AuthFailureStats() : await Task.Run(() => new LogScan(filter, Environment.ProcessorCount).Run(inputs, ct), ct);
        var rows = await inventory.FindAsync(TokenInfo.Ids(stats.ByToken.Keys), ct);
        Report = AuthFailureReport.From(inputs.Select(i => i.Name).ToList(), stats, null, TokenInfo.Of(rows, TokenStates.Today(clock)));
        Bans = await bans.ActiveBansAsync();

        var ranked = stats.ReasonTimeline.GroupBy(k => k.Key.Reason).OrderByDescending(g => g.Sum(x => x.Value)).Select(g => g.Key).ToList();
        Reasons = ranked.Take(ChartReasons).ToList();
        if (ranked.Count > ChartReasons)
        {
            Reasons.Add("other");
        }

        var step = Window == "30d" ? TimeSpan.FromDays(1) : TimeSpan.FromHours(1);
        // From the bucket the window starts in: its first, partial bucket is drawn too.
        var first = Window == "30d" ? since.Date : new DateTime(since.Year, since.Month, since.Day, since.Hour, 0, 0, DateTimeKind.Utc);
        Buckets = [];
        for (var start = first; start <= now; start += step)
        {
            Buckets.Add((start, new Dictionary<string, long>(StringComparer.Ordinal)));
        }

        foreach (var ((hour, reason), count) in stats.ReasonTimeline)
        {
            var index = (int)Math.Floor((hour - first) / step);
            if (index < 0 || index >= Buckets.Count)
            {
                continue;
            }

            var key = Reasons.Contains(reason) ? reason : "other";
            var counts = Buckets[index].Counts;
            counts[key] = counts.GetValueOrDefault(key) + count;
        }
    }

    public static string Label(DateTime t, string window) =>
        t.ToString(window == "30d" ? "MMM d" : window == "24h" ? "HH:mm" : "ddd HH:mm", CultureInfo.InvariantCulture);
}
