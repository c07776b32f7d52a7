using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Tokenward.Audit;
using Tokenward.Authentication;
using Tokenward.Core.Authentication;
using Tokenward.Core.Tokens;
using Tokenward.Members;
using Tokenward.PersonalAccessTokens;
using Tokenward.Storage;

namespace Tokenward.ResourceAccessTokens;

/// <summary>
/// Project and group access tokens, as GitLab makes them: a bot user (<c>user_type</c> 6) who is a
/// member of the resource at the token's access level, and a personal access token of that bot.
/// The token can do only what both its scopes and the bot's membership allow.
/// </summary>
public sealed class ResourceAccessTokenService(
    TokenwardDb db, PersonalAccessTokenService tokens, Access access, AuthCache cache, AuditLog audit, ActorContext actor, TimeProvider clock)
{
    /// <exception cref="TokenValidationException">when the request breaks a token rule.</exception>
    public async Task<(PersonalAccessToken Token, string Plaintext)> CreateAsync(ResourceRef resource, NewToken request, int accessLevel, CancellationToken ct)
    {
        var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        var username = $"{resource.Kind}_{resource.Id}_bot_{RandomNumberGenerator.GetHexString(32, lowercase: true)}";
        return await audit.InTransactionAsync(async () =>
        {
            var bot = new User
            {
                Username = username,
                Email = $"{username}@noreply.tokenward.invalid",
                Name = request.Name,
                UserType = UserTypes.ProjectBot,
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.Users.Add(bot);
            await db.SaveChangesAsync(ct);
            db.Members.Add(new Member { SourceType = resource.SourceType, SourceId = resource.Id, UserId = bot.Id, AccessLevel = accessLevel, CreatedAt = now, UpdatedAt = now });
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            return await tokens.CreateAsync(request with { UserId = bot.Id, MaxLifetimeDays = await GroupLimitAsync(resource, ct) }, ct, Subject(resource));
        }, ct);
    }

    /// <summary>The resource's tokens: those of bots that are members of it.</summary>
    public IQueryable<TokenWithLevel> TokensOf(ResourceRef resource) =>
        from m in db.Members
        where m.SourceType == resource.SourceType && m.SourceId == resource.Id
        join u in db.Users on m.UserId equals u.Id
        where u.UserType == UserTypes.ProjectBot
        join t in db.PersonalAccessTokens on u.Id equals t.UserId
        select new TokenWithLevel { Token = t, AccessLevel = m.AccessLevel, BotName = u.Name };

    /// <summary>
    /// Revokes a resource token. A bot whose resource tokens (the one it was made with and that
    /// token's successors) are all revoked or expired is retired: whatever it minted for itself
    /// is revoked too and it is blocked, as GitLab deleted the bot with its token.
    /// </summary>
    public async Task RevokeAsync(ResourceRef resource, PersonalAccessToken token, CancellationToken ct)
    {
        await tokens.RevokeAsync(token.Id, ct, Subject(resource));
        await RetireIfNoResourceTokenLeftAsync(token.UserId, ct);
    }

    /// <summary>
    /// Rotates a resource token: the same bot gets the new token, so its membership carries over.
    /// A resource token rotated to an earlier date takes the bot's self-minted tokens down to it.
    /// </summary>
    public async Task<(PersonalAccessToken Token, string Plaintext)> RotateAsync(ResourceRef resource, PersonalAccessToken token, DateOnly? expiresAt, CancellationToken ct)
    {
        var rotated = await tokens.RotateAsync(token.Id, expiresAt, ct, Subject(resource), await GroupLimitAsync(resource, ct), await SelfMintedCapAsync(token.UserId, token.Id, ct));
        await ClampSelfMintedAsync(token.UserId, ct);
        return rotated;
    }

    /// <summary>The project or group a bot belongs to, at the bot's level; null for people.</summary>
    public async Task<ResourceRef?> ResourceOfBotAsync(long userId, CancellationToken ct)
    {
        var membership = await (from u in db.Users
                                where u.Id == userId && u.UserType == UserTypes.ProjectBot
                                join m in db.Members on u.Id equals m.UserId
                                orderby m.Id
                                select m).FirstOrDefaultAsync(ct);
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
    /// The latest date a token a bot mints for itself (<c>POST /user/personal_access_tokens</c>), or
    /// the successor of such a token, may live to: never past its resource tokens, so a bot cannot
    /// outlive them. Null when there is no such limit: for people, for the bot's resource tokens
    /// themselves (<paramref name="tokenId"/>), and while a resource token has no expiry.
    /// </summary>
    /// <exception cref="TokenValidationException">when the bot has no active resource token left.</exception>
    public async Task<DateOnly?> SelfMintedCapAsync(long userId, long? tokenId, CancellationToken ct)
    {
        var lineage = await LineageAsync(userId, ct);
        if (lineage is null || (tokenId is { } id && lineage.Ids.Contains(id)))
        {
            return null;
        }

        var (hasActive, latest) = lineage.ActiveExpiry(TokenExpiry.Today(clock));
        return hasActive ? latest
            : throw new TokenValidationException("expires_at", "cannot be set: this bot has no active resource access token left");
    }

    /// <summary>A bot's resource tokens: the first token it was made with and that token's successors. Null for people.</summary>
    private async Task<BotLineage?> LineageAsync(long userId, CancellationToken ct)
    {
        if (!await db.Users.AnyAsync(u => u.Id == userId && u.UserType == UserTypes.ProjectBot, ct))
        {
            return null;
        }

        var all = await db.PersonalAccessTokens.Where(t => t.UserId == userId).OrderBy(t => t.Id)
            .Select(t => new BotLineage.Row(t.Id, t.PreviousPersonalAccessTokenId, t.Revoked, t.ExpiresAt)).ToListAsync(ct);
        return BotLineage.Of(all);
    }

    /// <summary>Shortens what a bot minted for itself to its resource tokens' latest expiry.</summary>
    private async Task ClampSelfMintedAsync(long botId, CancellationToken ct)
    {
        var lineage = await LineageAsync(botId, ct);
        if (lineage?.ActiveExpiry(TokenExpiry.Today(clock)) is not (true, { } latest))
        {
            return;
        }

        var ids = lineage.Ids.ToList();
        var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        await audit.InTransactionAsync(async () =>
        {
            var outliving = await db.PersonalAccessTokens
                .Where(t => t.UserId == botId && !t.Revoked && !ids.Contains(t.Id) && (t.ExpiresAt == null || t.ExpiresAt > latest))
                .Select(t => new { t.Id, t.ExpiresAt }).ToListAsync(ct);
            if (outliving.Count == 0)
            {
                return;
            }

            var outlivingIds = outliving.Select(t => t.Id).ToList();
            await db.PersonalAccessTokens.Where(t => outlivingIds.Contains(t.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, latest).SetProperty(t => t.UpdatedAt, now), ct);
            foreach (var t in outliving)
            {
                await audit.RecordAsync(actor.Current, "User", botId, "personal_access_token_expiry_shortened", "PersonalAccessToken", t.Id,
                    new { token_id = t.Id, reason = "a bot's self-minted token may not outlive its resource access token", before = new { expires_at = t.ExpiresAt }, after = new { expires_at = latest } }, ct);
            }
        }, ct);
        cache.ForgetUser(botId);
    }

    private async Task RetireIfNoResourceTokenLeftAsync(long botId, CancellationToken ct)
    {
        var lineage = await LineageAsync(botId, ct);
        if (lineage is null || lineage.ActiveExpiry(TokenExpiry.Today(clock)).HasActive)
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
        }, ct);
        cache.ForgetUser(botId);
    }

    /// <summary>The lifetime limit of the nearest group above (or at) the resource that sets one.</summary>
    private async Task<int?> GroupLimitAsync(ResourceRef resource, CancellationToken ct)
    {
        var namespaceId = resource.SourceType == Member.ProjectSource
            ? await db.Projects.Where(p => p.Id == resource.Id).Select(p => p.NamespaceId).FirstAsync(ct)
            : resource.Id;
        return (await access.ChainAsync(namespaceId, ct)).Select(n => n.MaxPersonalAccessTokenLifetime).FirstOrDefault(l => l is not null);
    }

    private static AuditSubject Subject(ResourceRef resource) =>
        new(resource.Kind == "project" ? "Project" : "Group", resource.Id, $"{resource.Kind}_access_token");

    /// <summary>
    /// For resources being deleted: revokes every token of their bots and blocks the bots. The
    /// bot users stay, so their tokens still show up (inactive) in listings and log joins.
    /// </summary>
    public async Task RetireBotsAsync(string sourceType, IReadOnlyCollection<long> sourceIds, CancellationToken ct)
    {
        if (sourceIds.Count == 0)
        {
            return;
        }

        var bots = await db.Members.Where(m => m.SourceType == sourceType && sourceIds.Contains(m.SourceId))
            .Join(db.Users.Where(u => u.UserType == UserTypes.ProjectBot), m => m.UserId, u => u.Id, (m, u) => u.Id)
            .ToListAsync(ct);
        var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        await db.PersonalAccessTokens.Where(t => bots.Contains(t.UserId) && !t.Revoked)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Revoked, true).SetProperty(t => t.UpdatedAt, now), ct);
        await db.Users.Where(u => bots.Contains(u.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.State, UserStates.Blocked).SetProperty(u => u.UpdatedAt, now), ct);
        foreach (var bot in bots)
        {
            cache.ForgetUser(bot);
            await audit.RecordAsync(actor.Current, "User", bot, "bot_user_removed", "User", bot,
                new { reason = $"{sourceType} deleted", before = new { state = UserStates.Active }, after = new { state = UserStates.Blocked }, tokens_revoked = true }, ct);
        }
    }
}
