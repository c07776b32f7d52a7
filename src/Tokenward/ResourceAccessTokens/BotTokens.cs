using Microsoft.EntityFrameworkCore;
using Tokenward.Audit;
using Tokenward.Authentication;
using Tokenward.Core.Authentication;
using Tokenward.Members;
using Tokenward.Storage;

namespace Tokenward.ResourceAccessTokens;

/// <summary>
/// Keeps a bot's tokens resource tokens whatever path they take (the resource endpoints, the
/// personal endpoints, the CLI): the bot's home resource and its limits, and the rule that a bot
/// cannot keep itself alive: what it mints for itself never outlives its resource tokens, and it
/// is retired with the last of them. Every token change goes through here.
/// </summary>
public sealed class BotTokens(TokenwardDb db, Access access, AuthCache cache, AuditLog audit, ActorContext actor, TimeProvider clock)
{
    /// <summary>
    /// The project or group a bot was made for (its first membership, the only one a bot can
    /// have), with the bot's level; null for people and for bots whose resource is gone.
    /// </summary>
    public async Task<ResourceRef?> HomeOfAsync(long botId, CancellationToken ct) =>
        await IsBotAsync(botId, ct) ? await MembershipHomeAsync(botId, ct) : null;

    /// <summary><see cref="HomeOfAsync"/> for a user already known to be a bot.</summary>
    private async Task<ResourceRef?> MembershipHomeAsync(long botId, CancellationToken ct)
    {
        var membership = await db.Members.Where(m => m.UserId == botId).OrderBy(m => m.Id).FirstOrDefaultAsync(ct);
        if (membership is null)
        {
            return null;
        }

        var name = membership.SourceType == Member.ProjectSource
            ? await db.Projects.Where(p => p.Id == membership.SourceId).Select(p => p.Name).FirstOrDefaultAsync(ct)
            : await db.Namespaces.Where(n => n.Id == membership.SourceId).Select(n => n.Name).FirstOrDefaultAsync(ct);
        return new ResourceRef(membership.SourceType, membership.SourceId, name ?? string.Empty, membership.AccessLevel);
    }

    /// <summary>
    /// Inside a change's transaction, before anything else in it: holds the bot's row until the
    /// commit (a no-op for people), so the bot's token changes run one at a time and each sees
    /// the others' results (a mint never races past a shortening), always in the same lock order.
    /// </summary>
    public async Task LockAsync(long userId, CancellationToken ct) =>
        await db.Users.Where(u => u.Id == userId && u.UserType == UserTypes.ProjectBot)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.UpdatedAt, u => u.UpdatedAt), ct);

    /// <summary>
    /// Inside a change's transaction: takes the bot's lock (<see cref="LockAsync"/>) and returns
    /// the rules for a token of <paramref name="userId"/>: an existing one (<paramref name="tokenId"/>,
    /// being rotated) or a new one (null). Null for people.
    /// </summary>
    /// <exception cref="TokenValidationException">when a bot with no active resource token left asks for a token of its own.</exception>
    public async Task<BotRules?> LockAndReadRulesAsync(long userId, long? tokenId, CancellationToken ct)
    {
        if (!await IsBotAsync(userId, ct))
        {
            return null;
        }

        await LockAsync(userId, ct);

        var home = await MembershipHomeAsync(userId, ct);
        var lineage = await LineageAsync(userId, ct);
        // A bot's first token, made with it, starts its lineage; its successors continue it.
        var isResourceToken = lineage.Ids.Count == 0 || (tokenId is { } id && lineage.Ids.Contains(id));
        DateOnly? notAfter = null;
        if (!isResourceToken)
        {
            var life = lineage.Life(TokenStates.Today(clock));
            notAfter = life.Active ? life.Until
                : throw new TokenValidationException("expires_at", "cannot be set: this bot has no active resource access token left");
        }

        return new BotRules(home is null ? null : Subject(home), home is null ? null : await GroupLimitAsync(home, ct), notAfter, isResourceToken);
    }

    public static AuditSubject Subject(ResourceRef resource) =>
        new(resource.Kind == "project" ? "Project" : "Group", resource.Id, $"{resource.Kind}_access_token");

    /// <summary>The lifetime limit of the nearest group above (or at) the resource that sets one.</summary>
    public async Task<int?> GroupLimitAsync(ResourceRef resource, CancellationToken ct)
    {
        var namespaceId = resource.SourceType == Member.ProjectSource
            ? await db.Projects.Where(p => p.Id == resource.Id).Select(p => (long?)p.NamespaceId).FirstOrDefaultAsync(ct)
            : resource.Id;
        return namespaceId is { } ns
            ? (await access.ChainAsync(ns, ct)).Select(n => n.MaxPersonalAccessTokenLifetime).FirstOrDefault(l => l is not null)
            : null;
    }

    /// <summary>
    /// After a token of a bot is revoked, in the same transaction: once none of its resource tokens
    /// is active, whatever it minted for itself is revoked too and it is blocked, as GitLab deleted
    /// the bot with its token. The bot user stays, so its tokens stay listed.
    /// </summary>
    public async Task RetireIfNoResourceTokenLeftAsync(long botId, CancellationToken ct)
    {
        if (!await IsBotAsync(botId, ct) || (await LineageAsync(botId, ct)).Life(TokenStates.Today(clock)).Active)
        {
            return;
        }

        var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        await audit.InTransactionAsync(async () =>
        {
            var minted = await db.PersonalAccessTokens.Where(t => t.UserId == botId && !t.Revoked).Select(t => t.Id).ToListAsync(ct);
            await db.PersonalAccessTokens.Where(t => minted.Contains(t.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.Revoked, true).SetProperty(t => t.UpdatedAt, now), ct);
            var blocked = await db.Users.Where(u => u.Id == botId && u.State != UserStates.Blocked)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.State, UserStates.Blocked).SetProperty(u => u.UpdatedAt, now), ct);
            if (blocked > 0 || minted.Count > 0)
            {
                await audit.RecordAsync(actor.Current, "User", botId, "bot_user_removed", "User", botId,
                    new { reason = "no active resource access token left", before = new { state = UserStates.Active }, after = new { state = UserStates.Blocked }, tokens_revoked = minted.Order().ToArray() }, ct);
            }

            audit.AfterCommit(() => cache.ForgetUser(botId));
        }, ct);
    }

    /// <summary>
    /// After a resource token of a bot is rotated, in the same transaction: what the bot minted
    /// for itself is shortened to its resource tokens' latest expiry.
    /// </summary>
    public async Task ClampSelfMintedAsync(long botId, CancellationToken ct)
    {
        var lineage = await LineageAsync(botId, ct);
        if (lineage.Life(TokenStates.Today(clock)) is not { Active: true, Until: { } latest })
        {
            return;
        }

        var ids = lineage.Ids.ToList();
        var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        await audit.InTransactionAsync(async () =>
        {
            var outliving = await db.PersonalAccessTokens
                .Where(t => t.UserId == botId && !t.Revoked && !ids.Contains(t.Id))
                .Where(TokenStates.NotExpired<PersonalAccessToken>(latest))
                .Select(t => new { t.Id, t.ExpiresAt }).ToListAsync(ct);
            if (outliving.Count == 0)
            {
                return;
            }

            var outlivingIds = outliving.Select(t => t.Id).ToList();
            await db.PersonalAccessTokens.Where(t => outlivingIds.Contains(t.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, latest).SetProperty(t => t.UpdatedAt, now), ct);
            await audit.RecordManyAsync(outliving.Select(t => new AuditEntry(actor.Current, "User", botId, "personal_access_token_expiry_shortened", "PersonalAccessToken", t.Id,
                new { token_id = t.Id, reason = "a bot's self-minted token may not outlive its resource access token", before = new { expires_at = t.ExpiresAt }, after = new { expires_at = latest } })).ToList(), ct);
            audit.AfterCommit(() => cache.ForgetUser(botId));
        }, ct);
    }

    private Task<bool> IsBotAsync(long userId, CancellationToken ct) =>
        db.Users.AnyAsync(u => u.Id == userId && u.UserType == UserTypes.ProjectBot, ct);

    private async Task<BotLineage> LineageAsync(long botId, CancellationToken ct) =>
        BotLineage.Of(await db.PersonalAccessTokens.Where(t => t.UserId == botId).OrderBy(t => t.Id)
            .Select(t => new BotTokenRow(t.Id, t.PreviousPersonalAccessTokenId, t.Revoked, t.ExpiresAt)).ToListAsync(ct));
}
