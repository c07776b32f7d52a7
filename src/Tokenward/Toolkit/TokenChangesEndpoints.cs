using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tokenward.Api;

namespace Tokenward.Toolkit;

/// <summary>
/// Tokenward's own admin API for the toolkit's bulk fixes (GitLab has none: its admins run a Rails
/// script): <c>POST /admin/tokens/extend</c> and <c>/admin/tokens/remove_expiry</c>, with the
/// report filters, <c>dry_run</c> listing the tokens, and the same audited batches as the CLI.
/// </summary>
public static class TokenChangesEndpoints
{
    /// <summary>How many tokens a dry run lists unless <c>show</c> says otherwise.</summary>
    public const int DefaultShown = 100;

    /// <summary>The most tokens one dry run lists.</summary>
    public const int MaxShown = 100_000;

    public static void Map(RouteGroupBuilder api)
    {
        var changes = api.MapGroup("/admin/tokens").WithTags("Token reports");
        changes.MapPost("/extend", Extend).AdminOnly(ApiAccess.Write)
            .WithSummary("Tokenward: give the tokens expiring on a date (expiring_on) a new one (expires_at), or dates spread over a window from it (spread=4w, workdays=true); dry_run=true lists them instead (admin)");
        changes.MapPost("/remove_expiry", RemoveExpiry).AdminOnly(ApiAccess.Write)
            .WithSummary("Tokenward: remove the expiry of the tokens expiring on a date (expiring_on); dry_run=true lists them instead (admin)");
    }

    private static async Task<IResult> Extend(HttpContext context, TokenInventory inventory, TokenChanges changes, IHostApplicationLifetime lifetime)
    {
        var p = await ApiParams.ReadAsync(context);
        var (filter, on, includeExpired, dryRun, shown) = await ReadAsync(p, inventory, context.RequestAborted);
        var newExpiry = p.Date("expires_at") ?? throw ApiException.InvalidParameter("expires_at is missing");
        var ignorePolicy = p.Bool("ignore_policy") ?? false;
        var workdays = p.Bool("workdays") ?? false;
        Period? spread = null;
        if (p.String("spread") is { } text)
        {
            spread = Period.TryParse(text, out var length) ? length : throw ApiException.InvalidParameter("spread does not have a valid value");
        }
        else if (workdays)
        {
            throw ApiException.InvalidParameter("workdays goes with spread");
        }

        // Runs to the end even if the client stops waiting (only a shutdown stops it, between batches): a rerun does the rest either way.
        var outcome = await RunAsync(() => spread is null
            ? changes.ExtendAsync(filter, on, newExpiry, includeExpired, ignorePolicy, dryRun, null, null, lifetime.ApplicationStopping)
            : changes.SpreadAsync(filter, on, newExpiry, spread, workdays, includeExpired, ignorePolicy, dryRun, null, null, lifetime.ApplicationStopping));
        return await AnswerAsync(outcome, changes.OnDateSelection(filter, on), shown, context.RequestAborted);
    }

    private static async Task<IResult> RemoveExpiry(HttpContext context, TokenInventory inventory, TokenChanges changes, IHostApplicationLifetime lifetime)
    {
        var p = await ApiParams.ReadAsync(context);
        var (filter, on, includeExpired, dryRun, shown) = await ReadAsync(p, inventory, context.RequestAborted);
        var outcome = await RunAsync(() => changes.RemoveExpiryAsync(filter, on, includeExpired, dryRun, null, null, lifetime.ApplicationStopping));
        return await AnswerAsync(outcome, changes.OnDateSelection(filter, on), shown, context.RequestAborted);
    }

    private static async Task<(TokenFilter Filter, DateOnly On, bool IncludeExpired, bool DryRun, int Shown)> ReadAsync(ApiParams p, TokenInventory inventory, CancellationToken ct)
    {
        var on = p.Date("expiring_on") ?? throw ApiException.InvalidParameter("expiring_on is missing");
        var shown = p.Int("show") ?? DefaultShown;
        if (shown is < 0 or > MaxShown)
        {
            throw ApiException.InvalidParameter("show does not have a valid value");
        }

        var filter = await TokenReportsEndpoints.ResolveAsync(p, inventory, ct);
        // Like the CLI, a bulk change is only shown unless asked for: dry_run=false makes it.
        return (filter, on, p.Bool("include_expired") ?? false, p.Bool("dry_run") ?? true, shown);
    }

    private static async Task<ChangeResult> RunAsync(Func<Task<ChangeResult>> change)
    {
        try
        {
            return await change();
        }
        catch (ToolkitException e)
        {
            throw ApiException.BadRequest(e.Message);
        }
    }

    /// <summary>The outcome; a dry run also lists the first <paramref name="shown"/> tokens it would change.</summary>
    private static async Task<IResult> AnswerAsync(ChangeResult outcome, IQueryable<ReportRow> selection, int shown, CancellationToken ct)
    {
        var json = ChangeResultJson.From(outcome);
        if (outcome.DryRun)
        {
            var rows = await selection.Take(shown).ToListAsync(ct);
            json["tokens"] = JsonSerializer.SerializeToNode(rows, ReportRowJson.Options);
        }

        return Results.Content(json.ToJsonString(), "application/json");
    }
}
