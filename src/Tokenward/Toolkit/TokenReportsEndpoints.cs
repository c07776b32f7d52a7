using Tokenward.Api;

namespace Tokenward.Toolkit;

/// <summary>
/// The toolkit's reports over HTTP, for admins: <c>/admin/tokens/expiring</c>,
/// <c>/admin/tokens/expiry_dates</c>, <c>/admin/tokens/at_risk</c> and <c>/admin/tokens/no_expiry</c>, with the CLI's filters
/// as parameters and GitLab's pagination.
/// </summary>
public static class TokenReportsEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var reports = api.MapGroup("/admin/tokens").WithTags("Token reports");
        reports.MapGet("/expiring", Expiring).AdminOnly(ApiAccess.Read)
            .WithSummary("Tokens expiring on a date (on=YYYY-MM-DD) or within a period (within=1m, from=YYYY-MM-DD) (admin)");
        reports.MapGet("/expiry_dates", ExpiryDates).AdminOnly(ApiAccess.Read)
            .WithSummary("The dates on which most active tokens expire, most first (top=10), each with its share and whether it is an expiry cliff (admin)");
        reports.MapGet("/at_risk", AtRisk).AdminOnly(ApiAccess.Read)
            .WithSummary("Active tokens that expire soon (within=30d) and are still in use (used_within=30d), the most recently used first, each with its fix (admin)");
        reports.MapGet("/no_expiry", NoExpiry).AdminOnly(ApiAccess.Read).WithSummary("Active tokens without an expiry date (admin)");
        reports.MapGet("/policy_preview", PolicyPreviewAsync).AdminOnly(ApiAccess.Read)
            .WithSummary("Tokenward: which active tokens a stricter policy (max_lifetime=90, require_expiry=true) would shorten or give an expiry at their next rotation, per owner and kind (admin)");
    }

    private static async Task<IResult> PolicyPreviewAsync(HttpContext context, TokenInventory inventory, PolicyPreview preview)
    {
        var p = await ApiParams.ReadAsync(context);
        var filter = await ResolveAsync(p, inventory, context.RequestAborted);
        try
        {
            var result = await preview.PreviewAsync(filter, p.Bool("require_expiry"), p.Int("max_lifetime"), context.RequestAborted);
            return Results.Content(PolicyPreviewJson.From(result).ToJsonString(), "application/json");
        }
        catch (ToolkitException e)
        {
            throw ApiException.BadRequest(e.Message);
        }
    }

    private static async Task<List<ReportRow>> Expiring(HttpContext context, TokenInventory inventory, TokenRows tokens, TimeProvider clock)
    {
        var p = await ApiParams.ReadAsync(context);
        var on = p.Date("on");
        var within = p.String("within");
        if ((on is null) == (within is null))
        {
            throw ApiException.InvalidParameter("on, within are mutually exclusive, exactly one parameter must be provided");
        }

        var filter = await ResolveAsync(p, inventory, context.RequestAborted);
        if (on is { } date)
        {
            filter = filter with { ExpiresFrom = date, ExpiresTo = date };
        }
        else
        {
            if (!Period.TryParse(within!, out var period))
            {
                throw ApiException.InvalidParameter("within is invalid: use a period like 7d, 2w, 1m, 6m or 1y");
            }

            var from = p.Date("from") ?? TokenStates.Today(clock);
            var to = period.TryAfter(from) ?? throw ApiException.InvalidParameter("from is invalid: the period would end after 9999-12-31");
            filter = filter with { ExpiresFrom = from, ExpiresTo = to };
        }

        return await PageAsync(tokens.Report(filter), p, context);
    }

    private static async Task<IResult> AtRisk(HttpContext context, TokenInventory inventory, TimeProvider clock)
    {
        var p = await ApiParams.ReadAsync(context);
        Period PeriodOf(string name) => Period.TryParse(p.String(name) ?? "30d", out var period)
            ? period : throw ApiException.InvalidParameter($"{name} is invalid: use a period like 7d, 2w, 1m, 6m or 1y");
        var within = PeriodOf("within");
        var used = PeriodOf("used_within");
        var filter = await ResolveAsync(p, inventory, context.RequestAborted);
        List<AtRiskToken> tokens;
        try
        {
            tokens = await AtRiskReport.SelectAsync(inventory, filter, TokenStates.Today(clock), within, used, null, context.RequestAborted);
        }
        catch (ToolkitException e)
        {
            throw ApiException.InvalidParameter(e.Message);
        }

        var page = Pagination.Page(tokens, p, context);
        return Results.Content(new System.Text.Json.Nodes.JsonArray([.. page.Select(t => t.ToJson())]).ToJsonString(), "application/json");
    }

    private static async Task<List<ReportRow>> NoExpiry(HttpContext context, TokenInventory inventory, TokenRows tokens)
    {
        var p = await ApiParams.ReadAsync(context);
        var filter = await ResolveAsync(p, inventory, context.RequestAborted) with { NoExpiry = true };
        return await PageAsync(tokens.Report(filter), p, context);
    }

    private static async Task<IResult> ExpiryDates(HttpContext context, TokenInventory inventory, TimeProvider clock, Hosting.TokenwardSettings settings)
    {
        var p = await ApiParams.ReadAsync(context);
        var top = p.Int("top") ?? 10;
        if (top is < 1 or > 10_000)
        {
            throw ApiException.InvalidParameter("top does not have a valid value");
        }

        var filter = await ResolveAsync(p, inventory, context.RequestAborted);
        var dates = await inventory.ExpiryDatesAsync(filter, TokenStates.Today(clock), top, context.RequestAborted);
        return Results.Content(ReportWriter.DatesJson(dates, settings.ExpiryCliffPercent), "application/json");
    }

    private static async Task<List<ReportRow>> PageAsync(IQueryable<ReportRow> rows, ApiParams p, HttpContext context) =>
        await Pagination.PageAsync(rows, p, context, context.RequestAborted);

    internal static async Task<TokenFilter> ResolveAsync(ApiParams p, TokenInventory inventory, CancellationToken ct)
    {
        var input = new FilterInput(p.List("kind"), p.String("user"), p.String("group"), p.String("project"), p.String("scope"), p.Bool("include_blocked") ?? false);
        try
        {
            return await inventory.ResolveAsync(input, ct);
        }
        catch (ToolkitException e) when (e.NotFound)
        {
            throw ApiException.NotFound(e.Message.Split(' ')[0]);
        }
        catch (ToolkitException e)
        {
            throw ApiException.InvalidParameter(e.Message);
        }
    }
}
