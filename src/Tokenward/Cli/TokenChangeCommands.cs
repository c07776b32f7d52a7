using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Tokenward.Lifecycle;
using Tokenward.PersonalAccessTokens;
using Tokenward.Toolkit;

namespace Tokenward.Cli;

/// <summary>
/// <c>tokenward tokens extend|remove-expiry|revoke-blocked|revoke|rotate</c>: the seed's fixes.
/// Each shows what it would do unless given <c>--yes</c>; remotely, what the API cannot do is
/// printed as the Rails runner script a GitLab admin runs instead.
/// </summary>
public static class TokenChangeCommands
{
    /// <summary>The exit code when a change was asked for that the remote API cannot make.</summary>
    public const int NotPossibleRemotely = 2;

    public static IEnumerable<Command> Create() => [Extend(), RemoveExpiry(), RevokeBlocked(), Revoke(), Rotate()];

    private static readonly Option<string> ExpiringOn = new("--expiring-on") { Description = "The tokens that expire on this date, YYYY-MM-DD", Required = true };

    private static readonly Option<bool> IncludeExpired = new("--include-expired") { Description = "Also when that date has passed: bring expired tokens back" };

    private static Command Extend()
    {
        var to = new Option<string?>("--to") { Description = "The new expiry date, YYYY-MM-DD" };
        var by = new Option<string?>("--by") { Description = "The new expiry this long from today: 30d, 3m, 6m, 1y (default 6m, as the seed's 6.months.from_now)" };
        var ignorePolicy = new Option<bool>("--ignore-policy") { Description = "Allow a date beyond the maximum token lifetime" };
        var command = new Command("extend", "Extend the tokens that expire on a date (extend_expiring_tokens.rb, gitlab:tokens:edit)") { ExpiringOn, to, by, IncludeExpired, ignorePolicy };
        AddCommon(command);
        command.SetAction(async (result, ct) =>
        {
            var on = ToolkitOptions.Date("--expiring-on", result.GetValue(ExpiringOn)!);
            if (result.GetValue(to) is not null && result.GetValue(by) is not null)
            {
                throw new CliException("give --to or --by, not both.");
            }

            var apply = ToolkitOptions.Apply(result);
            await using var source = await ToolkitSource.OpenAsync(result, ct);
            var newExpiry = result.GetValue(to) is { } t ? ToolkitOptions.Date("--to", t) : (ToolkitOptions.Period("--by", result.GetValue(by) ?? "6m").TryAfter(source.Today)
                ?? throw new ToolkitException("--by: the new date would be after 9999-12-31"));
            var filter = await source.Reports.ResolveAsync(ToolkitOptions.Input(result), ct);
            if (source.Services is not { } services)
            {
                return await CannotRemotelyAsync(source, filter, on, newExpiry, apply, result, ct);
            }

            using var progress = new ProgressBar("Extending");
            var outcome = await services.Get<TokenChanges>().ExtendAsync(
                filter, on, newExpiry, result.GetValue(IncludeExpired), result.GetValue(ignorePolicy), dryRun: !apply, progress, ct, plan => progress.Start(plan.Total));
            await PrintAsync(outcome, result, $"would get expiry {newExpiry:yyyy-MM-dd}", SeedLines.Updated(outcome.Changed, newExpiry));
            return 0;
        });
        return command;
    }

    private static Command RemoveExpiry()
    {
        var command = new Command("remove-expiry", "Remove the expiry of the tokens that expire on a date, where the policy allows it (gitlab:tokens:edit)") { ExpiringOn, IncludeExpired };
        AddCommon(command);
        command.SetAction(async (result, ct) =>
        {
            var on = ToolkitOptions.Date("--expiring-on", result.GetValue(ExpiringOn)!);
            var apply = ToolkitOptions.Apply(result);
            await using var source = await ToolkitSource.OpenAsync(result, ct);
            var filter = await source.Reports.ResolveAsync(ToolkitOptions.Input(result), ct);
            if (source.Services is not { } services)
            {
                return await CannotRemotelyAsync(source, filter, on, null, apply, result, ct);
            }

            using var progress = new ProgressBar("Removing expiry");
            var outcome = await services.Get<TokenChanges>().RemoveExpiryAsync(
                filter, on, result.GetValue(IncludeExpired), dryRun: !apply, progress, ct, plan => progress.Start(plan.Total));
            await PrintAsync(outcome, result, "would lose their expiry date", string.Create(CultureInfo.InvariantCulture, $"Removed the expiry date of {outcome.Changed} tokens"));
            return 0;
        });
        return command;
    }

    private static Command RevokeBlocked()
    {
        var command = new Command("revoke-blocked", "Revoke the active tokens of blocked and banned users, each with an audit event");
        AddCommon(command);
        command.SetAction(async (result, ct) =>
        {
            var apply = ToolkitOptions.Apply(result);
            await using var source = await ToolkitSource.OpenAsync(result, ct);
            var filter = await source.Reports.ResolveAsync(ToolkitOptions.Input(result), ct);
            if (source.Services is not { } services)
            {
                return await RevokeBlockedRemotelyAsync(source, filter, apply, result, ct);
            }

            using var progress = new ProgressBar("Revoking");
            var outcome = await services.Get<TokenChanges>().RevokeBlockedAsync(filter, dryRun: !apply, progress, ct, plan => progress.Start(plan.Total));
            await PrintAsync(outcome, result, "would be revoked", string.Create(CultureInfo.InvariantCulture, $"Revoked {outcome.Changed} tokens of blocked users"));
            return 0;
        });
        return command;
    }

    private static readonly Option<long> Id = new("--id") { Description = "The token's id", Required = true };

    private static Command Revoke()
    {
        var command = new Command("revoke", "Revoke one token (any kind)") { Id };
        AddRemoteAndApply(command);
        command.SetAction(async (result, ct) =>
        {
            var id = result.GetValue(Id);
            var apply = ToolkitOptions.Apply(result);
            await using var source = await ToolkitSource.OpenAsync(result, ct);
            if (source.Api is { } api)
            {
                var token = await api.GetAsync(string.Create(CultureInfo.InvariantCulture, $"api/v4/personal_access_tokens/{id}"), ct)
                    ?? throw new ToolkitException($"Token {id} not found", notFound: true);
                if (!apply)
                {
                    await Console.Out.WriteLineAsync($"Would revoke token {id} ({token.GetProperty("name").GetString()}, user {token.GetProperty("user_id").GetInt64()}); add --yes to revoke it.");
                    return 0;
                }

                await api.WriteAsync(HttpMethod.Delete, string.Create(CultureInfo.InvariantCulture, $"api/v4/personal_access_tokens/{id}"), ct);
                await Console.Out.WriteLineAsync($"Revoked token {id}.");
                return 0;
            }

            var services = source.Services!;
            var row = await FindAsync(services, id, ct);
            if (row.Revoked)
            {
                throw new ToolkitException($"token {id} is already revoked");
            }

            if (!apply)
            {
                await Console.Out.WriteLineAsync($"Would revoke {Describe(row)}; add --yes to revoke it.");
                return 0;
            }

            // A bot's token is filed under its resource and retires the bot with it, whatever the path.
            await services.Get<PersonalAccessTokenService>().RevokeAsync(id, ct);

            await Console.Out.WriteLineAsync($"Revoked {Describe(row)}.");
            return 0;
        });
        return command;
    }

    private static Command Rotate()
    {
        var expiresAt = new Option<string?>("--expires-at") { Description = "The new token's expiry, YYYY-MM-DD (default: one week, as GitLab)" };
        var command = new Command("rotate", "Rotate one token: revoke it and print its successor, once") { Id, expiresAt };
        AddRemoteAndApply(command);
        command.SetAction(async (result, ct) =>
        {
            var id = result.GetValue(Id);
            var apply = ToolkitOptions.Apply(result);
            var expiry = result.GetValue(expiresAt) is { } e ? ToolkitOptions.Date("--expires-at", e) : (DateOnly?)null;
            await using var source = await ToolkitSource.OpenAsync(result, ct);
            string plaintext;
            long newId;
            if (source.Api is { } api)
            {
                if (!apply)
                {
                    _ = await api.GetAsync(string.Create(CultureInfo.InvariantCulture, $"api/v4/personal_access_tokens/{id}"), ct)
                        ?? throw new ToolkitException($"Token {id} not found", notFound: true);
                    await Console.Out.WriteLineAsync($"Would rotate token {id}; add --yes to rotate it.");
                    return 0;
                }

                var path = string.Create(CultureInfo.InvariantCulture, $"api/v4/personal_access_tokens/{id}/rotate") + (expiry is { } d ? $"?expires_at={d:yyyy-MM-dd}" : string.Empty);
                var rotated = (await api.WriteAsync(HttpMethod.Post, path, ct))!.Value;
                plaintext = rotated.GetProperty("token").GetString()!;
                newId = rotated.GetProperty("id").GetInt64();
            }
            else
            {
                var services = source.Services!;
                var row = await FindAsync(services, id, ct);
                if (!apply)
                {
                    await Console.Out.WriteLineAsync($"Would rotate {Describe(row)}; add --yes to rotate it.");
                    return 0;
                }

                if (row.Revoked)
                {
                    throw new ToolkitException($"token {id} is already revoked");
                }

                var (token, secret) = await services.Get<PersonalAccessTokenService>().RotateAsync(id, expiry, ct);
                (plaintext, newId) = (secret, token.Id);
            }

            if (result.GetValue(GlobalOptions.Format) == "json")
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(new { id = newId, previous_id = id, token = plaintext }));
            }
            else
            {
                await Console.Out.WriteLineAsync($"Rotated token {id}; its successor is token {newId}. Store this now, it is not shown again:");
                await Console.Out.WriteLineAsync(plaintext);
            }

            return 0;
        });
        return command;
    }

    private static async Task<ReportRow> FindAsync(CliServices services, long id, CancellationToken ct) =>
        (await services.Get<TokenInventory>().FindAsync([id], ct)).FirstOrDefault()
            ?? throw new ToolkitException($"Token {id} not found", notFound: true);

    private static string Describe(ReportRow r) =>
        $"{r.Kind} token {r.Id} '{r.Name}' of {(r.ResourceType is null ? r.Username : $"{r.ResourceType} {r.ResourcePath}")}";

    /// <summary>
    /// GitLab's API has no way to change <c>expires_at</c>: show which tokens it would be, and the
    /// Rails runner script to run on the GitLab host instead.
    /// </summary>
    private static async Task<int> CannotRemotelyAsync(ToolkitSource source, ReportFilter filter, DateOnly on, DateOnly? newExpiry, bool apply, ParseResult result, CancellationToken ct)
    {
        var selected = filter with { Kinds = filter.Kinds.Where(k => k != TokenKinds.Impersonation).ToList(), ExpiresFrom = on, ExpiresTo = on };
        var perKind = TokenKinds.All.ToDictionary(k => k, _ => 0);
        await foreach (var row in source.Reports.StreamAsync(selected, ct))
        {
            perKind[row.Kind]++;
        }

        var plan = new ChangeResult(newExpiry is null ? "remove-expiry" : "extend", true, newExpiry, perKind, 0, 0, null);
        var script = RailsRunner.Extend(on, newExpiry);
        if (result.GetValue(GlobalOptions.Format) == "json")
        {
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(new { dry_run = true, possible = false, expiring_on = on.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), new_expiry = plan.NewExpiry?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), total = plan.Total, per_kind = perKind, rails_runner = script }));
        }
        else
        {
            await PrintAsync(plan, result, newExpiry is { } d ? $"expire on {on:yyyy-MM-dd} and would get {d:yyyy-MM-dd}" : $"expire on {on:yyyy-MM-dd} and would lose their expiry");
            await Console.Out.WriteLineAsync();
            await Console.Out.WriteLineAsync($"The API of {source.Api!.BaseAddress} cannot change a token's expires_at (GitLab has no endpoint for it). On the GitLab host, run instead:");
            await Console.Out.WriteLineAsync();
            await Console.Out.WriteLineAsync(script);
        }

        return apply ? NotPossibleRemotely : 0;
    }

    private static async Task<int> RevokeBlockedRemotelyAsync(ToolkitSource source, ReportFilter filter, bool apply, ParseResult result, CancellationToken ct)
    {
        var blocked = new List<ReportRow>();
        await foreach (var row in source.Reports.StreamAsync(filter with { IncludeBlocked = true }, ct))
        {
            if (row.UserState is Core.Authentication.UserStates.Blocked or Core.Authentication.UserStates.Banned && (row.ExpiresAt is null || row.ExpiresAt > source.Today))
            {
                blocked.Add(row);
            }
        }

        var perKind = TokenKinds.All.ToDictionary(k => k, k => blocked.Count(r => r.Kind == k));
        if (!apply || blocked.Count == 0)
        {
            await PrintAsync(new ChangeResult("revoke-blocked", true, null, perKind, 0, 0, null), result, "would be revoked");
            return 0;
        }

        var revoked = 0;
        using (var progress = new ProgressBar("Revoking", blocked.Count))
        {
            foreach (var row in blocked)
            {
                await source.Api!.WriteAsync(HttpMethod.Delete, string.Create(CultureInfo.InvariantCulture, $"api/v4/personal_access_tokens/{row.Id}"), ct);
                progress.Report(++revoked);
            }
        }

        await PrintAsync(new ChangeResult("revoke-blocked", false, null, perKind, revoked, 0, null), result, string.Create(CultureInfo.InvariantCulture, $"Revoked {revoked} tokens of blocked users"));
        return 0;
    }

    /// <summary>A run that had nothing to do is shown as the plan it was, as a dry run would show it.</summary>
    private static Task PrintAsync(ChangeResult outcome, ParseResult result, string wouldDo, string done) =>
        outcome.DryRun || outcome.Total == 0 ? PrintAsync(outcome with { DryRun = true }, result, wouldDo) : PrintAsync(outcome, result, done);

    private static async Task PrintAsync(ChangeResult outcome, ParseResult result, string summary)
    {
        if (result.GetValue(GlobalOptions.Format) == "json")
        {
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(new
            {
                action = outcome.Action,
                dry_run = outcome.DryRun,
                new_expiry = outcome.NewExpiry?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                total = outcome.Total,
                per_kind = outcome.Selected,
                changed = outcome.Changed,
                skipped = outcome.Skipped,
                skipped_reason = outcome.SkippedReason,
            }));
            return;
        }

        await PrintPerKindAsync(outcome.Selected);
        await Console.Out.WriteLineAsync(outcome.DryRun
            ? string.Create(CultureInfo.InvariantCulture, $"{outcome.Total} tokens {summary} (dry run: nothing changed; add --yes to apply).")
            : summary);
        if (outcome.Skipped > 0)
        {
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Skipped {outcome.Skipped}: {outcome.SkippedReason}."));
        }
    }

    /// <summary>The KIND / TOKENS table every bulk change prints.</summary>
    internal static async Task PrintPerKindAsync(IEnumerable<KeyValuePair<string, int>> perKind)
    {
        await Console.Out.WriteLineAsync($"{"KIND",-15} TOKENS");
        foreach (var (kind, count) in perKind)
        {
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{kind,-15} {count}"));
        }
    }

    private static void AddCommon(Command command)
    {
        foreach (var option in ToolkitOptions.Filters)
        {
            command.Options.Add(option);
        }

        AddRemoteAndApply(command);
    }

    private static void AddRemoteAndApply(Command command)
    {
        foreach (var option in ToolkitOptions.Remote.Append(ToolkitOptions.Yes).Append(ToolkitOptions.DryRun).Append(GlobalOptions.Format))
        {
            command.Options.Add(option);
        }
    }
}
