using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Tokenward.Toolkit;

namespace Tokenward.Web.Pages.Admin;

/// <summary>
/// Tokens at risk, as <c>tokenward tokens at-risk</c> lists them: active tokens that expire within
/// a period and were used within another, the latest use first, each with its fix. No log is read
/// here (the CLI's <c>--log</c>): a page must answer fast, whatever the size of the log folder.
/// </summary>
public sealed class AtRiskModel(TokenInventory inventory, TimeProvider clock) : PageModel
{
    public const string DefaultPeriod = "30d";

    /// <summary>Rows shown; the counts above the table cover all of them.</summary>
    public const int RowLimit = 500;

    public DateOnly Today { get; private set; }

    public string Within { get; private set; } = DefaultPeriod;

    public string UsedWithin { get; private set; } = DefaultPeriod;

    public List<AtRiskToken> Tokens { get; private set; } = [];

    public string? Error { get; private set; }

    public int Count(string fix) => Tokens.Count(t => t.Fix == fix);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Today = TokenStates.Today(clock);
        Within = WebQuery.Text(Request, "within") ?? DefaultPeriod;
        UsedWithin = WebQuery.Text(Request, "used_within") ?? DefaultPeriod;
        if (!Period.TryParse(Within, out var within))
        {
            return Refused("Expiring within must be a period like 7d, 2w, 1m, 6m or 1y.");
        }

        if (!Period.TryParse(UsedWithin, out var usedWithin))
        {
            return Refused("Used within must be a period like 7d, 2w, 1m, 6m or 1y.");
        }

        try
        {
            Tokens = await AtRiskReport.SelectAsync(inventory, new TokenFilter(), Today, within, usedWithin, null, ct);
        }
        catch (ToolkitException e)
        {
            return Refused($"{char.ToUpperInvariant(e.Message[0])}{e.Message[1..]}.");
        }

        return Page();
    }

    private PageResult Refused(string message)
    {
        Error = message;
        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        return Page();
    }
}
