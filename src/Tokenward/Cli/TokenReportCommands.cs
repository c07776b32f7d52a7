using System.CommandLine;
using Tokenward.Toolkit;

namespace Tokenward.Cli;

/// <summary>
/// <c>tokenward tokens expiring|expiry-dates|no-expiry</c>: the seed's read-only scripts, on the
/// database or through a remote API.
/// </summary>
public static class TokenReportCommands
{
    public static IEnumerable<Command> Create() => [Expiring(), ExpiryDates(), NoExpiry(), AtRiskCommand.Create(), Lookup()];

    /// <summary>
    /// <c>tokenward tokens lookup</c>: whose is the token with this value (read from standard
    /// input)? On the database, or remotely through <c>POST /api/v4/admin/token</c>; shown in the
    /// reports' columns, revoked and expired tokens too.
    /// </summary>
    private static Command Lookup()
    {
        var command = new Command("lookup", "Whose is this token? Its value is read from standard input, never from the command line");
        foreach (var option in ToolkitOptions.Remote.Append(GlobalOptions.Format))
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, ct) =>
        {
            var value = await TokenValueInput.ReadAsync(ct);
            await using var source = await ToolkitSource.OpenAsync(result, ct);
            var id = await TokenValueInput.IdOfAsync(source, value, ct);
            var rows = await source.Reports.FindAsync([id], ct);
            await using var output = Console.OpenStandardOutput();
            await ReportWriter.WriteAsync(rows.ToAsyncEnumerable(), result.GetValue(GlobalOptions.Format)!, output, r =>
                $"Token {r.Id} '{r.Name}' ({r.Kind}) of {(r.ResourceType is null ? r.Username : $"{r.ResourceType} {r.ResourcePath}")}: {(r.Revoked ? "revoked" : r.ExpiresAt is { } e && e <= source.Today ? $"expired on {e:yyyy-MM-dd}" : "active")}", ct);
            return 0;
        });
        return command;
    }

    private static Command Expiring()
    {
        var on = new Option<string?>("--on") { Description = "Tokens that expire on this date, YYYY-MM-DD (expired_tokens.rb)" };
        var within = new Option<string?>("--within") { Description = "Tokens that expire from today (or --from) up to this much later: 7d, 2w, 1m, 6m, 1y (expired_tokens_date_range.rb)" };
        var from = new Option<string?>("--from") { Description = "Start of --within instead of today, YYYY-MM-DD" };
        var command = new Command("expiring", "Tokens that expire on a date or within a period") { on, within, from };
        AddCommon(command);
        command.SetAction(async (result, ct) =>
        {
            if ((result.GetValue(on) is null) == (result.GetValue(within) is null))
            {
                throw new CliException("give exactly one of --on DATE and --within PERIOD.");
            }

            if (result.GetValue(from) is not null && result.GetValue(within) is null)
            {
                throw new CliException("--from goes with --within.");
            }

            await using var source = await ToolkitSource.OpenReportsAsync(result, ct);
            var filter = await source.Reports.ResolveAsync(ToolkitOptions.Input(result), ct);
            if (result.GetValue(on) is { } day)
            {
                var date = ToolkitOptions.Date("--on", day);
                filter = filter with { ExpiresFrom = date, ExpiresTo = date };
            }
            else
            {
                var start = result.GetValue(from) is { } f ? ToolkitOptions.Date("--from", f) : source.Today;
                filter = filter with
                {
                    ExpiresFrom = start,
                    ExpiresTo = ToolkitOptions.Period("--within", result.GetValue(within)!).TryAfter(start)
                    ?? throw new ToolkitException("--from: the period would end after 9999-12-31")
                };
            }

            await using var output = Console.OpenStandardOutput();
            await ReportWriter.WriteAsync(source.Reports.StreamAsync(filter, ct), result.GetValue(GlobalOptions.Format)!, output, SeedLines.Expired, ct);
            return 0;
        });
        return command;
    }

    private static Command ExpiryDates()
    {
        var top = new Option<int>("--top") { Description = "How many dates (default 10)", DefaultValueFactory = _ => 10 };
        var command = new Command("expiry-dates", "The dates on which most active tokens expire, most first, expiry cliffs named first (dates_when_most_of_tokens_expire.rb)") { top };
        AddCommon(command);
        command.SetAction(async (result, ct) =>
        {
            var count = result.GetValue(top);
            if (count is < 1 or > 10_000)
            {
                throw new CliException("--top must be between 1 and 10000.");
            }

            await using var source = await ToolkitSource.OpenReportsAsync(result, ct);
            var filter = await source.Reports.ResolveAsync(ToolkitOptions.Input(result), ct);
            var percent = GlobalOptions.Settings(result).ExpiryCliffPercent;
            // Enough dates for every cliff, which the report names first even beyond --top.
            var dates = await source.Reports.ExpiryDatesAsync(filter, source.Today, Math.Max(count, Core.Tokens.ExpiryCliffs.MostCliffs(percent)), ct);
            await using var output = ToolkitSource.Output();
            await ReportWriter.WriteDatesAsync(dates, count, percent, result.GetValue(GlobalOptions.Format)!, output, ct);
            return 0;
        });
        return command;
    }

    private static Command NoExpiry()
    {
        var command = new Command("no-expiry", "Active tokens without an expiry date (tokens_with_no_expiry.rb)");
        AddCommon(command);
        command.SetAction(async (result, ct) =>
        {
            await using var source = await ToolkitSource.OpenReportsAsync(result, ct);
            var filter = await source.Reports.ResolveAsync(ToolkitOptions.Input(result), ct) with { NoExpiry = true };
            await using var output = Console.OpenStandardOutput();
            await ReportWriter.WriteAsync(source.Reports.StreamAsync(filter, ct), result.GetValue(GlobalOptions.Format)!, output, SeedLines.NoExpiry, ct);
            return 0;
        });
        return command;
    }

    /// <summary>Filters, format and remote options, which every toolkit command takes.</summary>
    public static void AddCommon(Command command)
    {
        foreach (var option in ToolkitOptions.Filters.Concat(ToolkitOptions.Remote).Append(GlobalOptions.Format))
        {
            command.Options.Add(option);
        }
    }
}
