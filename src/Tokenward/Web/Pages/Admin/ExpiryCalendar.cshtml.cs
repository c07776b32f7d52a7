using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Tokenward.Toolkit;

namespace Tokenward.Web.Pages.Admin;

/// <summary>
/// The expiry calendar: active tokens expiring per day and per week over the next 12 months,
/// counted by the same query as <c>tokens expiry-dates</c>, cliffs marked; a day's tokens, and
/// their bulk extension with the toolkit's rules (dry run first, then a confirmation, audited),
/// to one date or spread over a window as <c>tokens extend --spread</c> does.
/// </summary>
public sealed class ExpiryCalendarModel(TokenInventory inventory, TokenRows rows, TokenChanges changes, TimeProvider clock, Hosting.TokenwardSettings settings) : PageModel
{
    public const int Days = 365;

    /// <summary>Tokens listed for a day; the extension itself covers all of them.</summary>
    public const int DayListLimit = 200;

    public DateOnly Today { get; private set; }

    /// <summary>Active tokens per day, from tomorrow, <see cref="Days"/> days.</summary>
    public int[] Daily { get; private set; } = new int[Days];

    /// <summary>The same per week, weeks starting on Monday.</summary>
    public List<(DateOnly Start, int Count)> Weekly { get; private set; } = [];

    /// <summary>Active tokens with a date, however far ahead: what a cliff's share is taken of.</summary>
    public long ActiveWithDate { get; private set; }

    public List<ExpiryDateCount> Cliffs { get; private set; } = [];

    public List<ExpiryDateCount> Busiest { get; private set; } = [];

    public DateOnly? Day { get; private set; }

    public List<ReportRow> DayRows { get; private set; } = [];

    public int DayTotal { get; private set; }

    public ChangeResult? Planned { get; private set; }

    public ChangeResult? Done { get; private set; }

    public DateOnly? NewExpiry { get; private set; }

    /// <summary>The spread's length as typed (<c>4w</c>); null extends to one date.</summary>
    public string? Spread { get; private set; }

    public bool Workdays { get; private set; }

    public string? Error { get; private set; }

    public DateOnly Start => Today.AddDays(1);

    public bool IsCliff(long count) => ExpiryCliffs.IsCliff(count, ActiveWithDate, CliffPercent);

    public double CliffPercent => settings.ExpiryCliffPercent;

    public async Task<IActionResult> OnGetAsync(string? day, CancellationToken ct)
    {
        await LoadAsync(day, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostPreviewAsync(string? day, CancellationToken ct) => await ChangeAsync(day, dryRun: true, ct);

    public async Task<IActionResult> OnPostExtendAsync(string? day, CancellationToken ct) => await ChangeAsync(day, dryRun: false, ct);

    private async Task<IActionResult> ChangeAsync(string? day, bool dryRun, CancellationToken ct)
    {
        if (!WebUser.Of(HttpContext).IsAdmin)
        {
            return NotFound();
        }

        if (WebQuery.Date(Request.Form["new_expires_at"]) is not { } newExpiry)
        {
            await LoadAsync(day, ct);
            return Refused("The new expiration date must be a date (YYYY-MM-DD).");
        }

        NewExpiry = newExpiry;
        Spread = Request.Form["spread"].ToString().Trim() is { Length: > 0 } text ? text : null;
        Workdays = Request.Form["workdays"] == "1";
        if (WebQuery.Date(day) is not { } on)
        {
            await LoadAsync(null, ct);
            return Refused("Choose a day first.");
        }

        Period? length = null;
        if (Spread is not null)
        {
            if (!Period.TryParse(Spread, out var parsed))
            {
                await LoadAsync(day, ct);
                return Refused("Spread over must be a period like 2w, 4w or 3m (or empty for one date).");
            }

            length = parsed;
        }
        else if (Workdays)
        {
            await LoadAsync(day, ct);
            return Refused("Workdays only goes with a spread: give the period to spread over.");
        }

        try
        {
            // The same calls as tokens extend [--spread]: one date, or the window that starts on it.
            var result = length is null
                ? await changes.ExtendAsync(new TokenFilter(), on, newExpiry, includeExpired: false, ignorePolicy: false, dryRun, null, null, ct)
                : await changes.SpreadAsync(new TokenFilter(), on, newExpiry, length, Workdays, includeExpired: false, ignorePolicy: false, dryRun, null, null, ct);
            if (dryRun)
            {
                Planned = result;
            }
            else
            {
                Done = result;
            }
        }
        catch (ToolkitException e)
        {
            await LoadAsync(day, ct);
            return Refused(e.Message);
        }

        await LoadAsync(day, ct);
        return Page();
    }

    private PageResult Refused(string message)
    {
        Error = message;
        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        return Page();
    }

    private async Task LoadAsync(string? day, CancellationToken ct)
    {
        Today = TokenStates.Today(clock);
        // Every date ahead (the whole cliff picture), in one grouped query: the toolkit's expiry-dates.
        var dates = await inventory.ExpiryDatesAsync(new TokenFilter(), Today, int.MaxValue, ct);
        ActiveWithDate = dates.Sum(d => (long)d.Count);
        Array.Clear(Daily);
        foreach (var d in dates)
        {
            var index = d.Date.DayNumber - Start.DayNumber;
            if (index is >= 0 and < Days)
            {
                Daily[index] = d.Count;
            }
        }

        Weekly = Enumerable.Range(0, Days)
            .GroupBy(i => WeekStart(Start.AddDays(i)))
            .Select(g => (g.Key, g.Sum(i => Daily[i])))
            .ToList();
        Cliffs = dates.Where(d => IsCliff(d.Count)).OrderBy(d => d.Date).ToList();
        Busiest = dates.Take(10).ToList();
        Day = WebQuery.Date(day);
        if (Day is { } on)
        {
            // The day's count is the calendar's; its first tokens by id, found through the tokens table.
            var filter = new TokenFilter { ExpiresFrom = on, ExpiresTo = on, Active = true };
            var selected = rows.Select(filter);
            DayTotal = dates.FirstOrDefault(d => d.Date == on)?.Count ?? 0;
            var ids = await rows.TokensOf(filter, selected).OrderBy(t => t.Id).Take(DayListLimit).Select(t => t.Id).ToListAsync(ct);
            DayRows = await TokenRows.InOrderAsync(selected, ids, ct);
            NewExpiry ??= on.DayNumber < DateOnly.MaxValue.DayNumber - 90 ? on.AddDays(90) : on;
        }
    }

    public static DateOnly WeekStart(DateOnly d) => d.AddDays(-(((int)d.DayOfWeek + 6) % 7));

}
