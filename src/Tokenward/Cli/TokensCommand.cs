using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Tokenward.Lifecycle;

namespace Tokenward.Cli;

/// <summary><c>tokenward tokens ...</c>: bulk token changes straight on the database.</summary>
public static class TokensCommand
{
    public static Command Create()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Count what would change and change nothing" };
        var date = new Option<string?>("--date") { Description = "Expiries are set one year after this date, YYYY-MM-DD (default: today)" };

        var backfill = new Command("backfill-expiry", "Give every active token without an expiry one, a year after --date (GitLab 16.0's migration)") { date, dryRun, GlobalOptions.Format };
        backfill.SetAction(async (result, ct) =>
        {
            var format = GlobalOptions.FormatWithoutLines(result);
            await using var services = await CliServices.StartAsync(GlobalOptions.Settings(result), ct);
            DateOnly from;
            if (result.GetValue(date) is { } text)
            {
                if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out from))
                {
                    throw new CliException($"--date must be a date as YYYY-MM-DD, not '{text}'.");
                }
            }
            else
            {
                from = TokenStates.Today(services.Get<TimeProvider>());
            }

            var outcome = await services.Get<ExpiryBackfill>().BackfillAsync(from, result.GetValue(dryRun), ct);
            await PrintAsync(outcome, format, outcome.DryRun ? "would get" : "got", $"expiry {outcome.ExpiresAt:yyyy-MM-dd}");
            return 0;
        });

        var revert = new Command("revert-backfill", "Clear the expiries the backfill set and nobody changed since (GitLab 17.3)") { dryRun, GlobalOptions.Format };
        revert.SetAction(async (result, ct) =>
        {
            var format = GlobalOptions.FormatWithoutLines(result);
            await using var services = await CliServices.StartAsync(GlobalOptions.Settings(result), ct);
            var outcome = await services.Get<ExpiryBackfill>().RevertAsync(result.GetValue(dryRun), ct);
            await PrintAsync(outcome, format, outcome.DryRun ? "would lose" : "lost", "their backfilled expiry");
            return 0;
        });

        var tokens = new Command("tokens", "Reports on tokens and fixes for them, on the database or through a GitLab-compatible API (--url)") { backfill, revert };
        foreach (var command in TokenReportCommands.Create().Concat(TokenChangeCommands.Create()).Append(PolicyPreviewCommand.Create()))
        {
            tokens.Subcommands.Add(command);
        }

        return tokens;
    }

    private static async Task PrintAsync(BackfillResult outcome, string format, string verb, string what)
    {
        if (format == Toolkit.ReportFormat.Csv)
        {
            await CliTable.WriteAsync(Console.Out, format, ["kind", "tokens"], outcome.Changed.Select(kv => new[] { kv.Key, kv.Value.ToString(CultureInfo.InvariantCulture) }));
            return;
        }

        if (format == Toolkit.ReportFormat.Json)
        {
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(new
            {
                dry_run = outcome.DryRun,
                expires_at = outcome.ExpiresAt?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                total = outcome.Total,
                per_kind = outcome.Changed,
                skipped = outcome.Skipped,
                skipped_reason = outcome.SkippedReason,
            }));
            return;
        }

        await TokenChangeCommands.PrintPerKindAsync(outcome.Changed);
        await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{outcome.Total} tokens {verb} {what}{(outcome.DryRun ? " (dry run: nothing changed)" : string.Empty)}."));
        if (outcome.Skipped > 0)
        {
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Skipped {outcome.Skipped}: {outcome.SkippedReason}."));
        }
    }
}
