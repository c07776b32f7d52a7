using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
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
    /// <summary>The audit event's <c>revocation_source</c> for a token revoked by its value from the CLI.</summary>
    public const string CliRevocationSource = "cli_token_value";

    /// <summary>The exit code when a change was asked for that the remote API cannot make.</summary>
    public const int NotPossibleRemotely = 2;

    public static IEnumerable<Command> Create() => [Extend(), RemoveExpiry(), RevokeBlocked(), Revoke(), Rotate()];

    private static readonly Option<string> ExpiringOn = new("--expiring-on") { Description = "The tokens that expire on this date, YYYY-MM-DD", Required = true };

    private static readonly Option<bool> IncludeExpired = new("--include-expired") { Description = "Also when that date has passed: bring expired tokens back" };

    private static Command Extend()
    {
        var to = new Option<string?>("--to") { Description = "The new expiry date, YYYY-MM-DD (with --spread: the window's first day)" };
        var by = new Option<string?>("--by") { Description = "The new expiry this long from today: 30d, 3m, 6m, 1y (default 6m, as the seed's 6.months.from_now; with --spread: the window's first day)" };
        var ignorePolicy = new Option<bool>("--ignore-policy") { Description = "Allow a date beyond the maximum token lifetime" };
        var spread = new Option<string?>("--spread") { Description = "Spread the new dates evenly over this long from --to (or --by): 2w, 4w, 3m; the same token always gets the same day" };
        var workdays = new Option<bool>("--workdays") { Description = "With --spread: no new date on a Saturday or Sunday" };
        var command = new Command("extend", "Extend the tokens that expire on a date, to one date or spread over a window (extend_expiring_tokens.rb, gitlab:tokens:edit)") { ExpiringOn, to, by, spread, workdays, IncludeExpired, ignorePolicy };
        AddCommon(command);
        command.SetAction(async (result, ct) =>
        {
            var on = ToolkitOptions.Date("--expiring-on", result.GetValue(ExpiringOn)!);
            if (result.GetValue(to) is not null && result.GetValue(by) is not null)
            {
                throw new CliException("give --to or --by, not both.");
            }

            var length = result.GetValue(spread) is { } text ? ToolkitOptions.Period("--spread", text) : null;
            if (length is null && result.GetValue(workdays))
            {
                throw new CliException("--workdays goes with --spread.");
            }

            var apply = ToolkitOptions.Apply(result);
            await using var source = await ToolkitSource.OpenAsync(result, ct);
            var newExpiry = result.GetValue(to) is { } t ? ToolkitOptions.Date("--to", t) : (ToolkitOptions.Period("--by", result.GetValue(by) ?? "6m").TryAfter(source.Today)
                ?? throw new ToolkitException("--by: the new date would be after 9999-12-31"));
            var filter = await source.Reports.ResolveAsync(ToolkitOptions.Input(result), ct);
            var wouldDo = $"would get expiry {newExpiry:yyyy-MM-dd}";
            if (source.Services is not { } services)
            {
                IReadOnlyList<(string, string?)> spreading = length is null ? [] : [("spread", length.ToString()), ("workdays", result.GetValue(workdays) ? "true" : null)];
                var remote = await RemoteChangeAsync(filter, "extend", on, newExpiry, apply, result, [("ignore_policy", result.GetValue(ignorePolicy))], ct, spreading);
                if (remote is null && length is not null)
                {
                    throw new ToolkitException($"--spread needs Tokenward's admin API (POST /admin/tokens/extend), which {source.Api!.BaseAddress} does not have; extend to one date there instead");
                }

                return remote is null
                    ? await CannotRemotelyAsync(source, filter, on, newExpiry, apply, result, ct)
                    : await PrintAsync(remote.Value.Outcome, result, on, Would(remote.Value.Outcome, wouldDo), Done(remote.Value.Outcome, newExpiry), remote.Value.Tokens.ToAsyncEnumerable());
            }

            using var progress = new ProgressBar("Extending");
            var changes = services.Get<TokenChanges>();
            var outcome = length is null
                ? await changes.ExtendAsync(filter, on, newExpiry, result.GetValue(IncludeExpired), result.GetValue(ignorePolicy), dryRun: !apply, progress, plan => progress.Start(plan.Total), ct)
                : await changes.SpreadAsync(filter, on, newExpiry, length, result.GetValue(workdays), result.GetValue(IncludeExpired), result.GetValue(ignorePolicy), dryRun: !apply, progress, plan => progress.Start(plan.Total), ct);
            return await PrintAsync(outcome, result, on, Would(outcome, wouldDo), Done(outcome, newExpiry), changes.OnDateSelection(filter, on).AsAsyncEnumerable());
        });
        return command;
    }

    private static string Would(ChangeResult outcome, string oneDate) => outcome.Spread is { } s
        ? $"would get dates spread from {s.From:yyyy-MM-dd} to {s.To:yyyy-MM-dd}{(s.Workdays ? ", workdays only" : string.Empty)}"
        : oneDate;

    private static string Done(ChangeResult outcome, DateOnly newExpiry) => outcome.Spread is { } s
        ? string.Create(CultureInfo.InvariantCulture, $"Spread {outcome.Changed} tokens over {s.From:yyyy-MM-dd} to {s.To:yyyy-MM-dd}{(s.Workdays ? ", workdays only" : string.Empty)}")
        : SeedLines.Updated(outcome.Changed, newExpiry);

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
            const string WouldDo = "would lose their expiry date";
            if (source.Services is not { } services)
            {
                var remote = await RemoteChangeAsync(filter, "remove_expiry", on, null, apply, result, [], ct);
                return remote is null
                    ? await CannotRemotelyAsync(source, filter, on, null, apply, result, ct)
                    : await PrintAsync(remote.Value.Outcome, result, on, WouldDo, Removed(remote.Value.Outcome), remote.Value.Tokens.ToAsyncEnumerable());
            }

            using var progress = new ProgressBar("Removing expiry");
            var changes = services.Get<TokenChanges>();
            var outcome = await changes.RemoveExpiryAsync(
                filter, on, result.GetValue(IncludeExpired), dryRun: !apply, progress, plan => progress.Start(plan.Total), ct);
            return await PrintAsync(outcome, result, on, WouldDo, Removed(outcome), changes.OnDateSelection(filter, on).AsAsyncEnumerable());
        });
        return command;
    }

    private static string Removed(ChangeResult outcome) => string.Create(CultureInfo.InvariantCulture, $"Removed the expiry date of {outcome.Changed} tokens");

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
            var changes = services.Get<TokenChanges>();
            var outcome = await changes.RevokeBlockedAsync(filter, dryRun: !apply, progress, plan => progress.Start(plan.Total), ct);
            return await PrintAsync(outcome, result, null, "would be revoked", string.Create(CultureInfo.InvariantCulture, $"Revoked {outcome.Changed} tokens of blocked users"), changes.BlockedSelection(filter).AsAsyncEnumerable());
        });
        return command;
    }

    private static readonly Option<long> Id = new("--id") { Description = "The token's id", Required = true };

    private static readonly Option<long?> RevokeId = new("--id") { Description = "The token's id" };

    private static readonly Option<string?> Value = new("--value") { Description = "'-': the token's value, read from standard input (never from the command line)" };

    private static Command Revoke()
    {
        var command = new Command("revoke", "Revoke one token (any kind), by its id or by its value") { RevokeId, Value };
        AddRemoteAndApply(command);
        command.SetAction(async (result, ct) =>
        {
            var byValue = result.GetValue(Value);
            if ((result.GetValue(RevokeId) is null) == (byValue is null))
            {
                throw new CliException("give exactly one of --id N and --value -.");
            }

            if (byValue is not null and not "-")
            {
                throw new CliException("--value takes '-' and reads the value from standard input, so it stays out of shell history: printf '%s' \"$TOKEN\" | tokenward tokens revoke --value -");
            }

            var value = byValue is null ? null : await TokenValueInput.ReadAsync(ct);
            var apply = ToolkitOptions.Apply(result);
            await using var source = await ToolkitSource.OpenAsync(result, ct);
            var id = value is null ? result.GetValue(RevokeId)!.Value : await TokenValueInput.IdOfAsync(source, value, ct);
            if (source.Api is { } api)
            {
                var token = await api.GetAsync(string.Create(CultureInfo.InvariantCulture, $"api/v4/personal_access_tokens/{id}"), ct)
                    ?? throw new ToolkitException($"Token {id} not found", notFound: true);
                if (!apply)
                {
                    await PrintOneAsync(result, "revoke", true, id, $"Would revoke token {id} ({token.GetProperty("name").GetString()}, user {token.GetProperty("user_id").GetInt64()}); add --yes to revoke it.");
                    return 0;
                }

                if (value is null)
                {
                    await api.WriteAsync(HttpMethod.Delete, string.Create(CultureInfo.InvariantCulture, $"api/v4/personal_access_tokens/{id}"), ct);
                }
                else
                {
                    // By value, so the server's audit event says how it was found (revocation_source).
                    await api.WriteAsync(HttpMethod.Delete, "api/v4/admin/token", new Dictionary<string, string> { ["token"] = value }, ct);
                }

                await PrintOneAsync(result, "revoke", false, id, $"Revoked token {id}.");
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
                await PrintOneAsync(result, "revoke", true, id, $"Would revoke {Describe(row)}; add --yes to revoke it.");
                return 0;
            }

            // A bot's token is filed under its resource and retires the bot with it, whatever the path.
            await services.Get<PersonalAccessTokenService>().RevokeAsync(id, value is null ? null : CliRevocationSource, ct);

            await PrintOneAsync(result, "revoke", false, id, $"Revoked {Describe(row)}.");
            return 0;
        });
        return command;
    }

    private static Command Rotate()
    {
        var expiresAt = new Option<string?>("--expires-at") { Description = "The new token's expiry, YYYY-MM-DD (default: one week, as GitLab)" };
        var grace = new Option<string?>("--grace-period") { Description = "Keep the old token working this long after the rotation: 3600, 90s, 30m, 1h, 2d (at most 7d; Tokenward's extension)" };
        var command = new Command("rotate", "Rotate one token: revoke it and print its successor, once") { Id, expiresAt, grace };
        AddRemoteAndApply(command);
        command.SetAction(async (result, ct) =>
        {
            var id = result.GetValue(Id);
            var apply = ToolkitOptions.Apply(result);
            // Checked first: the successor is shown once, so no output problem may come after the rotation.
            var format = GlobalOptions.FormatWithoutLines(result);
            var expiry = result.GetValue(expiresAt) is { } e ? ToolkitOptions.Date("--expires-at", e) : (DateOnly?)null;
            var gracePeriod = result.GetValue(grace) is { } g ? GracePeriod(g) : (TimeSpan?)null;
            await using var source = await ToolkitSource.OpenAsync(result, ct);
            string plaintext;
            long newId;
            if (source.Api is { } api)
            {
                if (!apply)
                {
                    _ = await api.GetAsync(string.Create(CultureInfo.InvariantCulture, $"api/v4/personal_access_tokens/{id}"), ct)
                        ?? throw new ToolkitException($"Token {id} not found", notFound: true);
                    await PrintOneAsync(result, "rotate", true, id, $"Would rotate token {id}; add --yes to rotate it.");
                    return 0;
                }

                var query = new List<string>();
                if (expiry is { } d)
                {
                    query.Add($"expires_at={d:yyyy-MM-dd}");
                }

                if (gracePeriod is { } period)
                {
                    query.Add(string.Create(CultureInfo.InvariantCulture, $"grace_period={(long)period.TotalSeconds}"));
                }

                var path = string.Create(CultureInfo.InvariantCulture, $"api/v4/personal_access_tokens/{id}/rotate") + (query.Count > 0 ? "?" + string.Join('&', query) : string.Empty);
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
                    await PrintOneAsync(result, "rotate", true, id, $"Would rotate {Describe(row)}; add --yes to rotate it.");
                    return 0;
                }

                if (row.Revoked)
                {
                    throw new ToolkitException($"token {id} is already revoked");
                }

                var (token, secret) = await services.Get<PersonalAccessTokenService>().RotateAsync(id, expiry, gracePeriod, ct);
                (plaintext, newId) = (secret, token.Id);
            }

            if (format == ReportFormat.Json)
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(new { id = newId, previous_id = id, token = plaintext }));
            }
            else if (format == ReportFormat.Csv)
            {
                await CliTable.WriteAsync(Console.Out, format, ["id", "previous_id", "token"], [[newId.ToString(CultureInfo.InvariantCulture), id.ToString(CultureInfo.InvariantCulture), plaintext]]);
            }
            else
            {
                var until = gracePeriod is { Ticks: > 0 } kept ? $" Token {id} keeps working for {kept.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s more, then stops." : string.Empty;
                await Console.Out.WriteLineAsync($"Rotated token {id}; its successor is token {newId}.{until} Store this now, it is not shown again:");
                await Console.Out.WriteLineAsync(plaintext);
            }

            return 0;
        });
        return command;
    }

    /// <summary>A rotation's <c>--grace-period</c>, as the API reads <c>grace_period</c>.</summary>
    private static TimeSpan GracePeriod(string text) => Core.Tokens.RotationGrace.Problem(text, out var period) is { } problem
        ? throw new CliException($"--grace-period {problem}: whole seconds or one unit (90s, 30m, 1h, 2d), not '{text}'.")
        : period;

    /// <summary>What a change of one token did or would do: a sentence, or its action, dry run and id as JSON or CSV.</summary>
    private static Task PrintOneAsync(ParseResult result, string action, bool dryRun, long id, string sentence) =>
        GlobalOptions.FormatWithoutLines(result) switch
        {
            ReportFormat.Json => Console.Out.WriteLineAsync(JsonSerializer.Serialize(new { action, dry_run = dryRun, id })),
            ReportFormat.Csv => CliTable.WriteAsync(Console.Out, ReportFormat.Csv, ["action", "dry_run", "id"], [[action, dryRun ? "true" : "false", id.ToString(CultureInfo.InvariantCulture)]]),
            _ => Console.Out.WriteLineAsync(sentence),
        };

    private static async Task<ReportRow> FindAsync(CliServices services, long id, CancellationToken ct) =>
        (await services.Get<TokenInventory>().FindAsync([id], ct)).FirstOrDefault()
            ?? throw new ToolkitException($"Token {id} not found", notFound: true);

    private static string Describe(ReportRow r) =>
        $"{r.Kind} token {r.Id} '{r.Name}' of {(r.ResourceType is null ? r.Username : $"{r.ResourceType} {r.ResourcePath}")}";

    /// <summary>
    /// GitLab's API has no way to change <c>expires_at</c>: show which tokens it would be, and the
    /// Rails runner script to run on the GitLab host instead.
    /// </summary>
    private static async Task<int> CannotRemotelyAsync(ToolkitSource source, TokenFilter filter, DateOnly on, DateOnly? newExpiry, bool apply, ParseResult result, CancellationToken ct)
    {
        var selected = filter with { Kinds = filter.Kinds.Where(k => k != TokenKinds.Impersonation).ToList(), ExpiresFrom = on, ExpiresTo = on };
        var perKind = TokenKinds.All.ToDictionary(k => k, _ => 0);
        await foreach (var row in source.Reports.StreamAsync(selected, ct))
        {
            perKind[row.Kind]++;
        }

        var plan = new ChangeResult(newExpiry is null ? "remove-expiry" : "extend", true, newExpiry, perKind, 0, 0, null);
        var script = RailsRunner.Extend(on, newExpiry);
        if (GlobalOptions.FormatWithoutLines(result) == ReportFormat.Json)
        {
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(new { dry_run = true, possible = false, expiring_on = on.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), new_expiry = plan.NewExpiry?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), total = plan.Total, per_kind = perKind, rails_runner = script }));
        }
        else
        {
            await PrintSummaryAsync(plan, result, newExpiry is { } d ? $"expire on {on:yyyy-MM-dd} and would get {d:yyyy-MM-dd}" : $"expire on {on:yyyy-MM-dd} and would lose their expiry");
            await Console.Out.WriteLineAsync();
            await Console.Out.WriteLineAsync($"The API of {source.Api!.BaseAddress} cannot change a token's expires_at (GitLab has no endpoint for it). On the GitLab host, run instead:");
            await Console.Out.WriteLineAsync();
            await Console.Out.WriteLineAsync(script);
        }

        return apply ? NotPossibleRemotely : 0;
    }

    private static async Task<int> RevokeBlockedRemotelyAsync(ToolkitSource source, TokenFilter filter, bool apply, ParseResult result, CancellationToken ct)
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
            return await PrintAsync(new ChangeResult("revoke-blocked", !apply, null, perKind, 0, 0, null), result, null, "would be revoked", string.Empty, blocked.ToAsyncEnumerable());
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

        return await PrintAsync(new ChangeResult("revoke-blocked", false, null, perKind, revoked, 0, null), result, null, string.Empty, string.Create(CultureInfo.InvariantCulture, $"Revoked {revoked} tokens of blocked users"), null);
    }

    /// <summary>
    /// Tokenward's own admin API for a bulk change (GitLab has none): the outcome and, in a dry
    /// run, the tokens it lists; null when the server has no such endpoint (it is GitLab).
    /// </summary>
    private static async Task<(ChangeResult Outcome, List<ReportRow> Tokens)?> RemoteChangeAsync(
        TokenFilter filter, string action, DateOnly on, DateOnly? newExpiry, bool apply, ParseResult result, IReadOnlyList<(string Name, bool Value)> flags, CancellationToken ct,
        IReadOnlyList<(string Name, string? Value)>? values = null)
    {
        var input = ToolkitOptions.Input(result);
        var format = GlobalOptions.FormatWithoutLines(result);
        var show = result.GetValue(Show) ?? (format == ReportFormat.Table ? 20 : TokenChangesEndpoints.MaxShown);
        var query = new Dictionary<string, string?>
        {
            ["expiring_on"] = on.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["expires_at"] = newExpiry?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["dry_run"] = apply ? "false" : "true",
            ["include_expired"] = result.GetValue(IncludeExpired) ? "true" : null,
            ["show"] = Math.Min(show, TokenChangesEndpoints.MaxShown).ToString(CultureInfo.InvariantCulture),
            ["kind"] = input.Kinds is { Count: > 0 } kinds ? string.Join(',', kinds) : null,
            // The id this client already found (it matches usernames ignoring case; the server's lookup need not).
            ["user"] = filter.UserId?.ToString(CultureInfo.InvariantCulture) ?? input.User,
            ["group"] = input.Group,
            ["project"] = input.Project,
            ["scope"] = input.Scope,
            ["include_blocked"] = input.IncludeBlocked ? "true" : null,
        };
        foreach (var (name, value) in flags.Where(f => f.Value))
        {
            query[name] = "true";
        }

        foreach (var (name, value) in values ?? [])
        {
            query[name] = value;
        }

        JsonElement answer;
        try
        {
            // No timeout: a change of a million tokens takes what it takes, and is not sent twice.
            using var api = RemoteOptions.Api(result, Timeout.InfiniteTimeSpan)!;
            answer = (await api.WriteAsync(HttpMethod.Post, QueryHelpers.AddQueryString($"api/v4/admin/tokens/{action}", query.Where(kv => kv.Value is not null)), ct))!.Value;
        }
        catch (ToolkitException e) when (e.NotFound && e.Message.Contains(RouteNotFound, StringComparison.Ordinal))
        {
            // No such route (GitLab's answer, word for word): not a Tokenward. Any other 404 (a
            // user or group gone since) is an error like any other.
            return null;
        }

        var node = JsonNode.Parse(answer.GetRawText());
        var tokens = node?["tokens"] is JsonArray list ? list.Deserialize<List<ReportRow>>(ReportRowJson.Options) ?? [] : [];
        var outcome = ChangeResultJson.Read(node);
        if (outcome.DryRun && tokens.Count < Math.Min(outcome.Total, show))
        {
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"tokenward: the server listed {tokens.Count} of the {outcome.Total} tokens (at most {TokenChangesEndpoints.MaxShown} per run)."));
        }

        return (outcome, tokens);
    }

    /// <summary>GitLab's (and Tokenward's) body for a route that does not exist.</summary>
    private const string RouteNotFound = "{\"error\":\"404 Not Found\"}";

    private static readonly Option<int?> Show = new("--show")
    {
        Description = "In a dry run, list at most this many of the tokens (default 20 in a table, all with --format json or csv)",
    };

    /// <summary>
    /// A dry run lists what it would change; a run with nothing to change says so; a change says
    /// what it did. <paramref name="listing"/> is read only for a dry run.
    /// </summary>
    /// <returns>The exit code: 0.</returns>
    private static async Task<int> PrintAsync(ChangeResult outcome, ParseResult result, DateOnly? on, string wouldDo, string done, IAsyncEnumerable<ReportRow>? listing)
    {
        var format = GlobalOptions.FormatWithoutLines(result);
        if (!outcome.DryRun && outcome.Total == 0)
        {
            if (format == ReportFormat.Json)
            {
                await Console.Out.WriteLineAsync(ChangeResultJson.From(outcome).ToJsonString());
                return 0;
            }

            var what = on is { } d ? $"no token expiring on {d:yyyy-MM-dd} matches" : "no token matches";
            await Console.Out.WriteLineAsync($"Nothing to change: {what}{(outcome.Skipped > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({outcome.Skipped} skipped: {outcome.SkippedReason})") : string.Empty)}.");
            return 0;
        }

        if (!outcome.DryRun || listing is null)
        {
            await PrintSummaryAsync(outcome, result, outcome.DryRun ? wouldDo : done);
            return 0;
        }

        var show = result.GetValue(Show);
        if (show is < 0)
        {
            throw new CliException("--show must be 0 or more.");
        }

        await using var output = Console.OpenStandardOutput();
        switch (format)
        {
            case ReportFormat.Json:
                var head = ChangeResultJson.From(outcome).ToJsonString();
                await output.WriteAsync(Encoding.UTF8.GetBytes(head[..^1] + ",\"tokens\":"));
                await ReportWriter.WriteAsync(Limit(listing, show), ReportFormat.Json, output, _ => string.Empty, CancellationToken.None);
                await output.WriteAsync("}\n"u8.ToArray());
                return 0;
            case ReportFormat.Csv:
                await ReportWriter.WriteAsync(Limit(listing, show), ReportFormat.Csv, output, _ => string.Empty, CancellationToken.None);
                return 0;
        }

        await PrintPerKindAsync(outcome.Selected);
        var limit = show ?? 20;
        if (outcome.Total > 0 && limit > 0)
        {
            await Console.Out.WriteLineAsync();
            await Console.Out.FlushAsync();
            await ReportWriter.WriteAsync(Limit(listing, limit), ReportFormat.Table, output, _ => string.Empty, CancellationToken.None);
            if (outcome.Total > limit)
            {
                await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"... and {outcome.Total - limit} more (--show N lists more; --format csv lists them all)."));
            }

            await Console.Out.WriteLineAsync();
        }

        await PrintSummaryAsync(outcome, result, wouldDo);
        return 0;
    }

    private static async IAsyncEnumerable<ReportRow> Limit(IAsyncEnumerable<ReportRow> rows, int? limit)
    {
        var count = 0;
        await foreach (var row in rows)
        {
            if (count++ >= limit)
            {
                yield break;
            }

            yield return row;
        }
    }

    private static async Task PrintSummaryAsync(ChangeResult outcome, ParseResult result, string summary)
    {
        var format = GlobalOptions.FormatWithoutLines(result);
        if (format == ReportFormat.Json)
        {
            await Console.Out.WriteLineAsync(ChangeResultJson.From(outcome).ToJsonString());
            return;
        }

        if (format == ReportFormat.Csv)
        {
            await CliTable.WriteAsync(Console.Out, format, ["kind", "tokens"], outcome.Selected.Select(kv => new[] { kv.Key, kv.Value.ToString(CultureInfo.InvariantCulture) }));
            return;
        }

        await PrintPerKindAsync(outcome.Selected);
        if (outcome.Spread is { } spread && outcome.Total > 0)
        {
            await Console.Out.WriteLineAsync();
            await SpreadHistogram.WriteAsync(Console.Out, spread);
            await Console.Out.WriteLineAsync();
        }

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
        foreach (var option in ToolkitOptions.Filters.Append(Show))
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
