using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Tokenward.Audit;
using Tokenward.Authentication;
using Tokenward.Core.Authentication;
using Tokenward.Settings;
using Tokenward.Storage;

namespace Tokenward.Toolkit;

/// <summary>
/// The toolkit's bulk changes: extend or remove the expiry of tokens expiring on a date, revoke
/// blocked users' tokens. Work goes in batches of <see cref="BatchSize"/> tokens, each one
/// transaction with an audit event per token, so an interrupted run leaves whole batches done
/// and a rerun picks up exactly the rest (a changed token no longer matches the selection).
/// </summary>
public sealed class TokenChanges(TokenwardDb db, TokenRows tokens, Members.Access access, AuditLog audit, ActorContext actor, AuthCache cache, ApplicationSettings settings, TimeProvider clock)
{
    public const int BatchSize = 1000;

    /// <summary>
    /// <c>extend_expiring_tokens.rb</c>: the active, non-impersonation tokens expiring on
    /// <paramref name="expiringOn"/> get <paramref name="newExpiry"/>. Project and group tokens
    /// only when their expiry is the one the backfill set, as the seed requires.
    /// </summary>
    /// <param name="includeExpired">Also tokens already expired on that date (bringing them back).</param>
    /// <param name="planned">Told what will change (counts per kind, skipped) once, before the first batch.</param>
    /// <exception cref="ToolkitException">when the dates or the policy forbid it.</exception>
    public async Task<ChangeResult> ExtendAsync(TokenFilter filter, DateOnly expiringOn, DateOnly newExpiry, bool includeExpired, bool ignorePolicy, bool dryRun, IProgress<int>? progress, Action<ChangeResult>? planned, CancellationToken ct)
    {
        var today = TokenStates.Today(clock);
        CheckExpiringOn(expiringOn, today, includeExpired);
        if (newExpiry <= today)
        {
            throw new ToolkitException($"the new expiry {newExpiry:yyyy-MM-dd} must be after today ({today:yyyy-MM-dd})");
        }

        if (newExpiry == expiringOn)
        {
            throw new ToolkitException($"the tokens already expire on {newExpiry:yyyy-MM-dd}");
        }

        var (eligible, skipped) = OnDate(filter, expiringOn);
        if (!ignorePolicy)
        {
            await CheckPolicyAsync(eligible, newExpiry, today, ct);
        }

        return await RunAsync("extend", eligible, skipped, t => t.ExpiresAt == expiringOn && !t.Revoked, newExpiry, dryRun, progress, planned, async (ids, now) =>
        {
            await db.PersonalAccessTokens.Where(t => EF.Parameter(ids).Contains(t.Id) && !t.Revoked && t.ExpiresAt == expiringOn)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, newExpiry).SetProperty(t => t.UpdatedAt, now), ct);
            return await db.PersonalAccessTokens.Where(t => EF.Parameter(ids).Contains(t.Id) && t.ExpiresAt == newExpiry && t.UpdatedAt == now).Select(t => t.Id).ToListAsync(ct);
        }, r => new AuditLine("expiry_changed", new { token_id = r.Id, token_name = r.Name, user_id = r.UserId, before = new { expires_at = expiringOn }, after = new { expires_at = newExpiry } }), ct);
    }

    /// <summary>
    /// <see cref="ExtendAsync"/> without building the next cliff: the tokens get dates spread evenly
    /// over <paramref name="length"/> from <paramref name="start"/> (<see cref="ExpirySpread"/>),
    /// in the same audited batches. Each event names the spread, so a rerun after an interruption
    /// ranks the tokens moved already with the rest and every token gets the day the first run
    /// meant for it.
    /// </summary>
    /// <param name="start">The window's first day: what extend alone would give every token.</param>
    /// <exception cref="ToolkitException">when the window, the dates or the policy forbid it.</exception>
    public async Task<ChangeResult> SpreadAsync(TokenFilter filter, DateOnly expiringOn, DateOnly start, Period length, bool workdays, bool includeExpired, bool ignorePolicy, bool dryRun, IProgress<int>? progress, Action<ChangeResult>? planned, CancellationToken ct)
    {
        var today = TokenStates.Today(clock);
        CheckExpiringOn(expiringOn, today, includeExpired);
        var spread = Window(start, length, workdays);
        if (start <= today)
        {
            throw new ToolkitException($"the window must start after today ({today:yyyy-MM-dd}), not on {start:yyyy-MM-dd}");
        }

        // A spread that began before the tokens' date would shorten some of them: an extension never does.
        if (start <= expiringOn)
        {
            throw new ToolkitException($"the window must start after {expiringOn:yyyy-MM-dd}, the date the tokens expire on now (it starts on {start:yyyy-MM-dd}); a spread extends, it never shortens");
        }

        var (eligible, skipped) = OnDate(filter, expiringOn);
        if (!ignorePolicy)
        {
            await CheckPolicyAsync(eligible, spread.Days[^1], today, ct);
        }

        var plan = await PlanAsync(filter, expiringOn, spread, ct);
        var perDay = plan.Dates.Values.CountBy(d => d).ToDictionary();
        var summary = new SpreadSummary(spread.Days[0], spread.Days[^1], workdays, spread.Days.Select(d => new SpreadDay(d, perDay.GetValueOrDefault(d))).ToList(), plan.AlreadyMoved);
        return await RunAsync("extend", eligible, skipped, t => t.ExpiresAt == expiringOn && !t.Revoked, null, dryRun, progress, planned, async (ids, now) =>
        {
            // Tokens that came to match after the plan was made wait for the next run.
            foreach (var day in ids.Where(plan.Dates.ContainsKey).GroupBy(id => plan.Dates[id]))
            {
                var date = day.Key;
                var these = day.ToList();
                await db.PersonalAccessTokens.Where(t => EF.Parameter(these).Contains(t.Id) && !t.Revoked && t.ExpiresAt == expiringOn)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, date).SetProperty(t => t.UpdatedAt, now), ct);
            }

            return await db.PersonalAccessTokens.Where(t => EF.Parameter(ids).Contains(t.Id) && t.ExpiresAt >= spread.Start && t.UpdatedAt == now).Select(t => t.Id).ToListAsync(ct);
        }, r => new AuditLine("expiry_changed", new { token_id = r.Id, token_name = r.Name, user_id = r.UserId, before = new { expires_at = expiringOn }, after = new { expires_at = plan.Dates[r.Id] }, spread = plan.Key }), ct, summary);
    }

    /// <summary>The dates <see cref="SpreadAsync"/> gives the tokens it has still to change, by token id; the same for the same selection and window.</summary>
    /// <exception cref="ToolkitException">when the window holds no day.</exception>
    public async Task<SpreadPlan> SpreadPlanAsync(TokenFilter filter, DateOnly expiringOn, DateOnly start, Period length, bool workdays, CancellationToken ct) =>
        await PlanAsync(filter, expiringOn, Window(start, length, workdays), ct);

    private static ExpirySpread Window(DateOnly start, Period length, bool workdays)
    {
        var end = length.TryAfter(start) ?? throw new ToolkitException($"a spread of {length} from {start:yyyy-MM-dd} would end after 9999-12-31");
        var spread = new ExpirySpread(start, end, workdays);
        return spread.Days.Count > 0 ? spread
            : throw new ToolkitException($"the window {start:yyyy-MM-dd} to {end.AddDays(-1):yyyy-MM-dd} holds no workday");
    }

    private async Task<SpreadPlan> PlanAsync(TokenFilter filter, DateOnly expiringOn, ExpirySpread spread, CancellationToken ct)
    {
        var key = spread.Key(expiringOn, Fingerprint(filter));
        var remaining = await OnDate(filter, expiringOn).Eligible.Select(r => r.Id).ToListAsync(ct);
        // The audit trail is the plan's memory: no table of its own, and an event is written in the
        // very transaction that moves its token, so the two never disagree after a crash.
        var quoted = $"\"{key}\"";
        var moved = await db.AuditEvents
            .Where(e => e.TargetType == "PersonalAccessToken" && e.EventName.EndsWith("_expiry_changed") && e.Details.Contains(quoted))
            .Select(e => e.TargetId!.Value).Distinct().ToListAsync(ct);
        var all = spread.Assign(remaining.Concat(moved));
        var alreadyMoved = moved.Except(remaining).Count();
        return new SpreadPlan(key, remaining.ToDictionary(id => id, id => all[id]), alreadyMoved);
    }

    /// <summary>The selection's filters in a few characters, so two spreads of different selections keep their own plans.</summary>
    private static string Fingerprint(TokenFilter filter)
    {
        var text = string.Join('|',
            string.Join(',', filter.Kinds.Order(StringComparer.Ordinal)),
            filter.UserId,
            string.Join(',', filter.GroupIds ?? []),
            string.Join(',', filter.ProjectIds ?? []),
            filter.Scope,
            filter.IncludeBlocked);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..12];
    }

    /// <summary>The other half of <c>gitlab:tokens:edit</c>: the same tokens lose their expiry, if the policy allows tokens without one.</summary>
    /// <exception cref="ToolkitException">when the policy requires an expiry, or the date has passed.</exception>
    public async Task<ChangeResult> RemoveExpiryAsync(TokenFilter filter, DateOnly expiringOn, bool includeExpired, bool dryRun, IProgress<int>? progress, Action<ChangeResult>? planned, CancellationToken ct)
    {
        var today = TokenStates.Today(clock);
        CheckExpiringOn(expiringOn, today, includeExpired);
        if ((await settings.PolicyAsync(ct)).RequirePersonalAccessTokenExpiry)
        {
            throw new ToolkitException("the token policy requires an expiry date (require_personal_access_token_expiry); turn it off first to remove expiry dates");
        }

        var (eligible, skipped) = OnDate(filter, expiringOn);
        return await RunAsync("remove-expiry", eligible, skipped, t => t.ExpiresAt == expiringOn && !t.Revoked, null, dryRun, progress, planned, async (ids, now) =>
        {
            await db.PersonalAccessTokens.Where(t => EF.Parameter(ids).Contains(t.Id) && !t.Revoked && t.ExpiresAt == expiringOn)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, (DateOnly?)null).SetProperty(t => t.UpdatedAt, now), ct);
            return await db.PersonalAccessTokens.Where(t => EF.Parameter(ids).Contains(t.Id) && t.ExpiresAt == null && t.UpdatedAt == now).Select(t => t.Id).ToListAsync(ct);
        }, r => new AuditLine("expiry_changed", new { token_id = r.Id, token_name = r.Name, user_id = r.UserId, before = new { expires_at = expiringOn }, after = new { expires_at = (DateOnly?)null } }), ct);
    }

    /// <summary>Revokes the active tokens of blocked and banned users, with an audit event each (the seed's <c>destroy!</c> leaves none).</summary>
    public async Task<ChangeResult> RevokeBlockedAsync(TokenFilter filter, bool dryRun, IProgress<int>? progress, Action<ChangeResult>? planned, CancellationToken ct)
    {
        return await RunAsync("revoke-blocked", Blocked(filter), null, t => !t.Revoked, null, dryRun, progress, planned, async (ids, now) =>
        {
            await db.PersonalAccessTokens.Where(t => EF.Parameter(ids).Contains(t.Id) && !t.Revoked)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.Revoked, true).SetProperty(t => t.UpdatedAt, now), ct);
            return await db.PersonalAccessTokens.Where(t => EF.Parameter(ids).Contains(t.Id) && t.Revoked && t.UpdatedAt == now).Select(t => t.Id).ToListAsync(ct);
        }, r => new AuditLine("revoked", new { token_id = r.Id, token_name = r.Name, user_id = r.UserId, reason = $"owner {r.UserState}", before = new { revoked = false }, after = new { revoked = true } }), ct);
    }

    /// <summary>The tokens <see cref="ExtendAsync"/> and <see cref="RemoveExpiryAsync"/> would change, in id order: what a dry run lists.</summary>
    public IQueryable<ReportRow> OnDateSelection(TokenFilter filter, DateOnly expiringOn) =>
        OnDate(filter, expiringOn).Eligible.OrderBy(r => r.Id);

    /// <summary>The tokens <see cref="RevokeBlockedAsync"/> would revoke, in id order.</summary>
    public IQueryable<ReportRow> BlockedSelection(TokenFilter filter) => Blocked(filter).OrderBy(r => r.Id);

    private IQueryable<ReportRow> Blocked(TokenFilter filter)
    {
        var today = TokenStates.Today(clock);
        return (filter with { IncludeBlocked = true }).Apply(tokens.Rows(), today)
            .Where(r => r.UserState == UserStates.Blocked || r.UserState == UserStates.Banned)
            .Where(TokenStates.NotExpired<ReportRow>(today));
    }

    private static void CheckExpiringOn(DateOnly expiringOn, DateOnly today, bool includeExpired)
    {
        if (expiringOn <= today && !includeExpired)
        {
            throw new ToolkitException(
                $"tokens expiring on {expiringOn:yyyy-MM-dd} have already expired (a token works through the day before its expires_at); add --include-expired to change them anyway");
        }
    }

    /// <summary>Non-impersonation tokens expiring on the date; project and group tokens only with a backfilled expiry (the others are counted as skipped).</summary>
    private (IQueryable<ReportRow> Eligible, IQueryable<ReportRow> Skipped) OnDate(TokenFilter filter, DateOnly expiringOn)
    {
        var rows = (filter with { Kinds = filter.Kinds.Where(k => k != TokenKinds.Impersonation).ToList(), ExpiresFrom = expiringOn, ExpiresTo = expiringOn })
            .Apply(tokens.Rows(), TokenStates.Today(clock));
        return (rows.Where(r => r.ResourceType == null || r.ExpiryBackfilled), rows.Where(r => r.ResourceType != null && !r.ExpiryBackfilled));
    }

    /// <summary>The instance's maximum lifetime, and any group's own limit over the project and group tokens below it.</summary>
    private async Task CheckPolicyAsync(IQueryable<ReportRow> eligible, DateOnly newExpiry, DateOnly today, CancellationToken ct)
    {
        var policy = await settings.PolicyAsync(ct);
        var latest = today.AddDays(policy.MaxPersonalAccessTokenLifetime);
        if (newExpiry > latest)
        {
            throw new ToolkitException(
                $"{newExpiry:yyyy-MM-dd} is beyond the maximum token lifetime of {policy.MaxPersonalAccessTokenLifetime} days (at most {latest:yyyy-MM-dd}); choose an earlier date or add --ignore-policy");
        }

        var limited = await db.Namespaces.Where(n => n.MaxPersonalAccessTokenLifetime != null && n.MaxPersonalAccessTokenLifetime < policy.MaxPersonalAccessTokenLifetime)
            .Select(n => new { n.Id, n.Path, Days = n.MaxPersonalAccessTokenLifetime!.Value }).ToListAsync(ct);
        foreach (var group in limited.Where(g => newExpiry > today.AddDays(g.Days)))
        {
            var groups = await access.SubtreeAsync(group.Id, ct);
            var projects = await db.Projects.Where(p => groups.Contains(p.NamespaceId)).Select(p => p.Id).ToListAsync(ct);
            var affected = await eligible.CountAsync(r => (r.ResourceType == TokenKinds.Group && groups.Contains(r.ResourceId!.Value))
                || (r.ResourceType == TokenKinds.Project && projects.Contains(r.ResourceId!.Value)), ct);
            if (affected > 0)
            {
                throw new ToolkitException(
                    $"{affected} of the tokens belong under group '{group.Path}', whose maximum token lifetime is {group.Days} days (at most {today.AddDays(group.Days):yyyy-MM-dd}); narrow the selection, choose an earlier date or add --ignore-policy");
            }
        }
    }

    private sealed record AuditLine(string Action, object Details);

    private async Task<ChangeResult> RunAsync(
        string action,
        IQueryable<ReportRow> eligible,
        IQueryable<ReportRow>? skipped,
        Expression<Func<PersonalAccessToken, bool>> window,
        DateOnly? newExpiry,
        bool dryRun,
        IProgress<int>? progress,
        Action<ChangeResult>? planned,
        Func<List<long>, DateTime, Task<List<long>>> apply,
        Func<ReportRow, AuditLine> describe,
        CancellationToken ct,
        SpreadSummary? spread = null)
    {
        var perKind = TokenKinds.All.ToDictionary(k => k, _ => 0);
        foreach (var g in await eligible.GroupBy(r => r.Kind).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct))
        {
            perKind[g.Key] += g.Count;
        }

        var skippedCount = skipped is null ? 0 : await skipped.CountAsync(ct);
        var reason = skippedCount > 0 ? "project and group tokens whose expiry was not set by the expiry backfill (the seed extends only those)" : null;
        var plan = new ChangeResult(action, true, newExpiry, perKind, 0, skippedCount, reason) { Spread = spread };
        if (dryRun || plan.Total == 0)
        {
            return plan with { DryRun = dryRun };
        }

        planned?.Invoke(plan);

        var changed = 0;
        var lastId = 0L;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var done = await audit.InTransactionAsync(async () =>
            {
                // The next window of candidate ids comes from the tokens table alone, in id order;
                // only those rows go through the joins of the selection. (Asking the full selection
                // for its next thousand made PostgreSQL join every remaining row for each batch.)
                var from = lastId;
                var ids = await db.PersonalAccessTokens.Where(window).Where(t => t.Id > from).OrderBy(t => t.Id).Select(t => t.Id).Take(BatchSize).ToListAsync(ct);
                if (ids.Count == 0)
                {
                    return -1;
                }

                lastId = ids[^1];
                var batch = await eligible.Where(r => EF.Parameter(ids).Contains(r.Id)).ToListAsync(ct);
                if (batch.Count == 0)
                {
                    return 0;
                }

                var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
                var applied = (await apply(batch.Select(r => r.Id).ToList(), now)).ToHashSet();
                await audit.RecordManyAsync(batch.Where(r => applied.Contains(r.Id)).Select(r => Entry(r, describe(r))).ToList(), ct);
                return applied.Count;
            }, CancellationToken.None);
            if (done < 0)
            {
                break;
            }

            changed += done;
            progress?.Report(changed);
        }

        cache.Clear();
        return new ChangeResult(action, false, newExpiry, perKind, changed, skippedCount, reason) { Spread = spread };
    }

    private AuditEntry Entry(ReportRow r, AuditLine line)
    {
        var (entityType, entityId, kind) = r.Kind switch
        {
            TokenKinds.Project => ("Project", r.ResourceId!.Value, "project_access_token"),
            TokenKinds.Group => ("Group", r.ResourceId!.Value, "group_access_token"),
            TokenKinds.Impersonation => ("User", r.UserId, "impersonation_token"),
            _ => ("User", r.UserId, "personal_access_token"),
        };
        return new AuditEntry(actor.Current, entityType, entityId, $"{kind}_{line.Action}", "PersonalAccessToken", r.Id, line.Details);
    }
}
