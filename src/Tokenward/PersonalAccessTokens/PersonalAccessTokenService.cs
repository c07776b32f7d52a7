using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tokenward.Audit;
using Tokenward.Authentication;
using Tokenward.Storage;

namespace Tokenward.PersonalAccessTokens;

/// <summary>Creating, revoking and rotating personal access tokens: the rules both the API and the CLI go through, each change audited.</summary>
public sealed class PersonalAccessTokenService(
    TokenwardDb db,
    TokenFormat format,
    TokenDigester digester,
    AuthCache cache,
    AuditLog audit,
    ActorContext actor,
    TimeProvider clock,
    Settings.ApplicationSettings settings,
    Hosting.TokenwardSettings instance,
    ResourceAccessTokens.BotTokens bots,
    ILogger<PersonalAccessTokenService> logger)
{
    /// <returns>The stored token and its plaintext, which is shown once and never kept.</returns>
    /// <exception cref="TokenValidationException">when the request breaks a rule.</exception>
    public Task<(PersonalAccessToken Token, string Plaintext)> CreateAsync(NewToken request, CancellationToken ct) => CreateAsync(request, null, ct);

    /// <param name="subject">Where the creation is filed (a bot's resource); the owner when null.</param>
    public Task<(PersonalAccessToken Token, string Plaintext)> CreateAsync(NewToken request, AuditSubject? subject, CancellationToken ct) =>
        audit.InTransactionAsync(() => CreateInTransactionAsync(request, subject, ct), ct);

    private async Task<(PersonalAccessToken Token, string Plaintext)> CreateInTransactionAsync(NewToken request, AuditSubject? subject, CancellationToken ct)
    {
        // A bot's token follows its resource's rules whichever endpoint asks; a successor gets them from its rotation.
        if (request.PreviousId is null && await bots.LockAndReadRulesAsync(request.UserId, null, ct) is { } bot)
        {
            subject ??= bot.Subject;
            request = request with { MaxLifetimeDays = request.MaxLifetimeDays ?? bot.GroupLimitDays, NotAfter = request.NotAfter ?? bot.NotAfter };
        }

        var successor = request.PreviousId is not null;
        var name = TokenRequestRules.Name(request.Name, successor);
        TokenRequestRules.Description(request.Description, successor);
        var scopes = TokenRequestRules.Scopes(request.Scopes);
        var policy = (await settings.PolicyAsync(ct)).NarrowedTo(request.MaxLifetimeDays);
        if (request.Impersonation && request.ExpiresAt is null && request.PreviousId is null && policy.RequirePersonalAccessTokenExpiry)
        {
            // GitLab gives impersonation tokens no default date.
            throw new TokenValidationException("expires_at", "can't be blank");
        }

        var expiresAt = policy.ExpiryFor(request.ExpiresAt, TokenStates.Today(clock), request.NotAfter, rotation: false);
        string plaintext;
        if (request.ExplicitValue is { } value)
        {
            if (TokenFormat.ValidateExplicit(value) is { } problem)
            {
                throw new TokenValidationException("token", problem);
            }

            plaintext = value;
        }
        else
        {
            plaintext = format.Generate();
        }

        var digest = digester.Digest(plaintext);
        if (await db.PersonalAccessTokens.AnyAsync(t => t.TokenDigest == digest, ct))
        {
            throw new TokenValidationException("token", "has already been taken");
        }

        var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        var token = new PersonalAccessToken
        {
            UserId = request.UserId,
            Name = name,
            Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description,
            TokenDigest = digest,
            Scopes = JsonSerializer.Serialize(scopes),
            Impersonation = request.Impersonation,
            ExpiresAt = expiresAt,
            PreviousPersonalAccessTokenId = request.PreviousId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        subject ??= AuditSubject.ForUser(token.UserId, token.Impersonation);
        db.PersonalAccessTokens.Add(token);
        await db.SaveChangesAsync(ct);
        db.Entry(token).State = EntityState.Detached;
        await audit.RecordAsync(actor.Current, subject.EntityType, subject.EntityId, $"{subject.TokenKind}_created", "PersonalAccessToken", token.Id,
            new { token_id = token.Id, token_name = token.Name, user_id = token.UserId, scopes, expires_at = token.ExpiresAt }, ct);
        return (token, plaintext);
    }

    /// <summary>
    /// Marks the token revoked, with its audit event, in one transaction; a bot left without an
    /// active resource token is retired in it too. Revoking an already revoked token changes nothing.
    /// </summary>
    /// <returns>Whether this call revoked it.</returns>
    public Task<bool> RevokeAsync(long tokenId, CancellationToken ct) => RevokeAsync(tokenId, null, ct);

    /// <param name="source">How it came to be revoked when not by its own endpoint (GitLab's <c>revocation_source</c>: <c>api_admin_token</c>, <c>leak_report</c>), in the audit event.</param>
    /// <remarks>
    /// A rotated token still in its grace (<see cref="Core.Tokens.RotationGrace"/>) counts as not yet
    /// revoked: revoking it ends the grace now. Revoking a successor ends its predecessor's grace too,
    /// so that whoever revokes the new token is not left with the old one still working.
    /// </remarks>
    public async Task<bool> RevokeAsync(long tokenId, string? source, CancellationToken ct)
    {
        var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        return await audit.InTransactionAsync(async () =>
        {
            var token = await db.PersonalAccessTokens.AsNoTracking().FirstOrDefaultAsync(t => t.Id == tokenId, ct);
            if (token is null)
            {
                return false;
            }

            await bots.LockAsync(token.UserId, ct);
            var changed = await db.PersonalAccessTokens.Where(t => t.Id == tokenId && !t.Revoked)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.Revoked, true).SetProperty(t => t.UpdatedAt, now), ct);
            var graceEnded = changed == 0 && await EndGraceAsync(tokenId, now, ct);
            audit.AfterCommit(() => cache.ForgetToken(tokenId));
            if (changed == 0 && !graceEnded)
            {
                return false;
            }

            var predecessorGraceEnded = token.PreviousPersonalAccessTokenId is { } previous && await EndGraceAsync(previous, now, ct);
            if (predecessorGraceEnded)
            {
                audit.AfterCommit(() => cache.ForgetToken(token.PreviousPersonalAccessTokenId!.Value));
            }

            var subject = await SubjectOfAsync(token, ct);
            var details = new Dictionary<string, object?>
            {
                ["token_id"] = tokenId,
                ["token_name"] = token.Name,
                ["user_id"] = token.UserId,
                ["before"] = new { revoked = false },
                ["after"] = new { revoked = true },
            };
            if (source is not null)
            {
                details["revocation_source"] = source;
            }

            if (graceEnded)
            {
                details["rotation_grace_ended"] = new { was_until = token.RotationGraceUntil, ended_at = now };
            }

            if (predecessorGraceEnded)
            {
                details["predecessor_rotation_grace_ended"] = new { token_id = token.PreviousPersonalAccessTokenId, ended_at = now };
            }

            await audit.RecordAsync(actor.Current, subject.EntityType, subject.EntityId, $"{subject.TokenKind}_revoked", "PersonalAccessToken", tokenId, details, ct);
            await bots.RetireIfNoResourceTokenLeftAsync(token.UserId, ct);
            return true;
        }, CancellationToken.None);
    }

    /// <summary>Ends a rotated token's grace at <paramref name="now"/> if it is still running.</summary>
    /// <returns>Whether it was running.</returns>
    private async Task<bool> EndGraceAsync(long tokenId, DateTime now, CancellationToken ct) => await EndGraceAsync([tokenId], now, ct) > 0;

    /// <summary>Ends the graces still running among these tokens at <paramref name="now"/>, in one statement.</summary>
    /// <returns>How many were running.</returns>
    private Task<int> EndGraceAsync(List<long> tokenIds, DateTime now, CancellationToken ct) =>
        db.PersonalAccessTokens.Where(t => tokenIds.Contains(t.Id) && t.Revoked && t.RotationGraceUntil != null && t.RotationGraceUntil > now)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RotationGraceUntil, now).SetProperty(t => t.UpdatedAt, now), ct);

    /// <summary>
    /// Revokes the token and issues its successor (same name, description, scopes, owner and
    /// impersonation; <c>previous_personal_access_token_id</c> pointing back) in one transaction.
    /// Of concurrent rotations of one token exactly one wins; the others find it revoked.
    /// </summary>
    /// <param name="expiresAt">The new expiry; without it, one week (GitLab's default), within the lifetime policy.</param>
    /// <exception cref="TokenAlreadyRevokedException">when the token is already revoked (or another rotation won).</exception>
    /// <exception cref="TokenValidationException">when the new expiry breaks the policy.</exception>
    public Task<(PersonalAccessToken Token, string Plaintext)> RotateAsync(long tokenId, DateOnly? expiresAt, CancellationToken ct) =>
        RotateAsync(tokenId, expiresAt, null, ct);

    /// <param name="gracePeriod">
    /// Tokenward's <c>grace_period</c>: the old token is revoked all the same (so a second rotation of
    /// it is refused, and after the grace its reuse revokes the family as GitLab's does), but it
    /// authenticates until the grace ends. Null or zero: none, as GitLab.
    /// </param>
    public async Task<(PersonalAccessToken Token, string Plaintext)> RotateAsync(long tokenId, DateOnly? expiresAt, TimeSpan? gracePeriod, CancellationToken ct)
    {
        if (gracePeriod is { } asked && (asked < TimeSpan.Zero || asked > Core.Tokens.RotationGrace.Max))
        {
            throw new ArgumentOutOfRangeException(nameof(gracePeriod), asked, "outside 0 to RotationGrace.Max");
        }

        var owner = await db.PersonalAccessTokens.Where(t => t.Id == tokenId).Select(t => new { t.UserId, t.Impersonation }).FirstAsync(ct);
        return await audit.InTransactionAsync(async () =>
        {
            // A bot's token keeps its resource's limits and, if it minted it for itself, the bot's end date.
            var bot = await bots.LockAndReadRulesAsync(owner.UserId, tokenId, ct);
            var subject = bot?.Subject ?? AuditSubject.ForUser(owner.UserId, owner.Impersonation);
            var policy = (await settings.PolicyAsync(ct)).NarrowedTo(bot?.GroupLimitDays);
            var newExpiry = policy.ExpiryFor(expiresAt, TokenStates.Today(clock), bot?.NotAfter, rotation: true);
            var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
            DateTime? graceUntil = gracePeriod is { } g && g > TimeSpan.Zero ? now + g : null;
            // The conditional update is the lock: only one transaction can flip revoked for this row.
            var won = await db.PersonalAccessTokens.Where(t => t.Id == tokenId && !t.Revoked)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.Revoked, true).SetProperty(t => t.RotationGraceUntil, graceUntil).SetProperty(t => t.UpdatedAt, now), ct);
            if (won == 0)
            {
                throw new TokenAlreadyRevokedException();
            }

            audit.AfterCommit(() => cache.ForgetToken(tokenId));
            var old = await db.PersonalAccessTokens.AsNoTracking().FirstAsync(t => t.Id == tokenId, ct);
            var successor = await CreateInTransactionAsync(
                new NewToken(old.UserId, old.Name, old.ScopeList(), newExpiry, old.Description, old.Impersonation, PreviousId: old.Id, MaxLifetimeDays: bot?.GroupLimitDays, NotAfter: bot?.NotAfter),
                subject, ct);
            await audit.RecordAsync(actor.Current, subject.EntityType, subject.EntityId, $"{subject.TokenKind}_rotated", "PersonalAccessToken", successor.Token.Id,
                graceUntil is null
                    ? new { token_id = successor.Token.Id, previous_token_id = old.Id, token_name = old.Name, before = new { expires_at = old.ExpiresAt }, after = new { expires_at = newExpiry } }
                    : (object)new
                    {
                        token_id = successor.Token.Id,
                        previous_token_id = old.Id,
                        token_name = old.Name,
                        before = new { expires_at = old.ExpiresAt },
                        after = new { expires_at = newExpiry },
                        grace_period_seconds = (long)gracePeriod!.Value.TotalSeconds,
                        previous_token_valid_until = graceUntil,
                    },
                ct);
            if (bot is { IsResourceToken: true })
            {
                // A resource token rotated to an earlier date takes what the bot minted down with it.
                await bots.ClampSelfMintedAsync(owner.UserId, ct);
            }

            return successor;
        }, ct);
    }

    /// <summary>
    /// A revoked token presented to a rotate endpoint. Within the grace window after its own
    /// rotation (<see cref="Hosting.TokenwardSettings.RotationGraceSeconds"/>) and from the address
    /// that rotated it, it is taken for a client retrying a rotation whose answer it lost, or a
    /// parallel request of that client that lost the race: the family is kept and the caller
    /// answers <c>400 Token already revoked</c>. From another address, later, or for a token revoked
    /// without being rotated, it is taken for a leak and the family is revoked: a thief who rotated
    /// a stolen token first is locked out as soon as its owner tries. Either way an audit event says which.
    /// </summary>
    public async Task<RotationReuse> ReusedForRotationAsync(PersonalAccessToken reused, CancellationToken ct)
    {
        var successor = await db.PersonalAccessTokens.Where(t => t.PreviousPersonalAccessTokenId == reused.Id)
            .OrderBy(t => t.CreatedAt).Select(t => new { t.Id, t.CreatedAt }).FirstOrDefaultAsync(ct);
        var presenter = actor.Current.IpAddress;
        var now = clock.GetUtcNow().UtcDateTime;
        var rotatedFrom = successor is null ? null : await db.AuditEvents
            .Where(e => e.TargetType == "PersonalAccessToken" && e.TargetId == successor.Id && e.EventName.EndsWith("_rotated"))
            .Select(e => e.IpAddress).FirstOrDefaultAsync(ct);
        var (verdict, reason) = RotationReuseRule.Judge(successor?.CreatedAt, now, TimeSpan.FromSeconds(instance.RotationGraceSeconds), presenter, rotatedFrom);
        if (verdict == RotationReuse.Retry)
        {
            var since = now - successor!.CreatedAt;
            var subject = await SubjectOfAsync(reused, ct);
            await audit.RecordAsync(actor.Current, subject.EntityType, subject.EntityId, "token_rotation_retried", "PersonalAccessToken", reused.Id,
                new { reused_token_id = reused.Id, successor_token_id = successor.Id, seconds_since_rotation = Math.Round(since.TotalSeconds, 3), grace_seconds = instance.RotationGraceSeconds }, ct);
            logger.RotationRetryInGrace(reused.Id, since.TotalSeconds, successor.Id);
            return RotationReuse.Retry;
        }

        await RevokeFamilyAsync(reused, reason, ct);
        return RotationReuse.Leak;
    }

    /// <summary>
    /// Reuse of a rotated token: revokes every active token of its family (its predecessors and
    /// every successor), as GitLab does when a revoked token is used to rotate.
    /// </summary>
    /// <returns>How many tokens this revoked.</returns>
    public async Task<int> RevokeFamilyAsync(PersonalAccessToken reused, string reason, CancellationToken ct)
    {
        var family = new HashSet<long> { reused.Id };
        var up = reused.PreviousPersonalAccessTokenId;
        while (up is { } id && family.Add(id))
        {
            up = await db.PersonalAccessTokens.Where(t => t.Id == id).Select(t => t.PreviousPersonalAccessTokenId).FirstOrDefaultAsync(ct);
        }

        var frontier = family.ToList();
        while (frontier.Count > 0)
        {
            var parents = frontier;
            frontier = (await db.PersonalAccessTokens.Where(t => t.PreviousPersonalAccessTokenId != null && parents.Contains(t.PreviousPersonalAccessTokenId.Value))
                .Select(t => t.Id).ToListAsync(ct)).Where(family.Add).ToList();
        }

        var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        // A rotated token still in its grace authenticates: it goes with the rest.
        var active = await db.PersonalAccessTokens
            .Where(t => family.Contains(t.Id) && (!t.Revoked || (t.RotationGraceUntil != null && t.RotationGraceUntil > now)))
            .Select(t => t.Id).ToListAsync(ct);
        if (active.Count == 0)
        {
            return 0;
        }

        var subject = await SubjectOfAsync(reused, ct);
        var revoked = await audit.InTransactionAsync(async () =>
        {
            await bots.LockAsync(reused.UserId, ct);
            var count = await db.PersonalAccessTokens.Where(t => active.Contains(t.Id) && !t.Revoked)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.Revoked, true).SetProperty(t => t.UpdatedAt, now), ct);
            count += await EndGraceAsync(active, now, ct);

            await audit.RecordAsync(actor.Current, subject.EntityType, subject.EntityId, "token_family_revoked", "PersonalAccessToken", reused.Id,
                new { reused_token_id = reused.Id, reason, family = family.Order().ToArray(), revoked = active.Order().ToArray() }, ct);
            // A family is one owner's: a bot losing its resource tokens this way is retired too.
            await bots.RetireIfNoResourceTokenLeftAsync(reused.UserId, ct);
            audit.AfterCommit(() =>
            {
                foreach (var id in active)
                {
                    cache.ForgetToken(id);
                }
            });
            return count;
        }, CancellationToken.None);

        logger.RotationFamilyRevoked(reused.Id, revoked, string.Join(',', active));

        return revoked;
    }

    /// <summary>Where a token's events are filed: its bot's project or group, or its owner.</summary>
    private async Task<AuditSubject> SubjectOfAsync(PersonalAccessToken token, CancellationToken ct) =>
        await bots.HomeOfAsync(token.UserId, ct) is { } home
            ? ResourceAccessTokens.BotTokens.Subject(home)
            : AuditSubject.ForUser(token.UserId, token.Impersonation);
}
