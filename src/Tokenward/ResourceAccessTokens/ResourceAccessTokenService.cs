using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Tokenward.Audit;
using Tokenward.Authentication;
using Tokenward.Core.Authentication;
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
    TokenwardDb db, PersonalAccessTokenService tokens, AuthCache cache, AuditLog audit, ActorContext actor, TimeProvider clock)
{
    /// <exception cref="TokenValidationException">when the request breaks a token rule.</exception>
    public async Task<(PersonalAccessToken Token, string Plaintext)> CreateAsync(ResourceRef resource, NewToken request, int accessLevel, CancellationToken ct)
    {
        // The token's name is also its bot's: checked here, as the token's will be, before the bot exists.
        var name = request.Name.Trim();
        if (Core.Validation.TextRules.Line(name, TokenRequestRules.MaxNameLength) is { } problem)
        {
            throw new TokenValidationException("name", problem);
        }

        var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        var username = $"{resource.Kind}_{resource.Id}_bot_{RandomNumberGenerator.GetHexString(32, lowercase: true)}";
        return await audit.InTransactionAsync(async () =>
        {
            var bot = new User
            {
                Username = username,
                Email = $"{username}@noreply.tokenward.invalid",
                Name = name.Length > 0 ? name : request.Name,
                UserType = UserTypes.ProjectBot,
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.Users.Add(bot);
            await db.SaveChangesAsync(ct);
            db.Members.Add(new Member { SourceType = resource.SourceType, SourceId = resource.Id, UserId = bot.Id, AccessLevel = accessLevel, CreatedAt = now, UpdatedAt = now });
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            // The bot's home resource now exists, so the token gets its rules (BotTokens).
            return await tokens.CreateAsync(request with { UserId = bot.Id }, ct);
        }, ct);
    }

    /// <summary>
    /// The resource's tokens: those of the bots made for it. A bot belongs to its first
    /// membership only, so a bot added elsewhere (which the members API refuses, as GitLab does)
    /// could not have its tokens managed from there.
    /// </summary>
    /// <param name="filter">Which of the bots' tokens (GitLab's <c>state</c>); all when null.</param>
    public IQueryable<TokenWithLevel> TokensOf(ResourceRef resource, TokenFilter? filter = null, DateOnly today = default) =>
        from m in db.Members
        where m.SourceType == resource.SourceType && m.SourceId == resource.Id
            && m.Id == db.Members.Where(home => home.UserId == m.UserId).Min(home => home.Id)
        join u in db.Users on m.UserId equals u.Id
        where u.UserType == UserTypes.ProjectBot
        join t in filter == null ? db.PersonalAccessTokens : filter.ApplyToTokens(db.PersonalAccessTokens, today) on u.Id equals t.UserId
        select new TokenWithLevel { Token = t, AccessLevel = m.AccessLevel, BotName = u.Name };

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
        audit.AfterCommit(() => bots.ForEach(cache.ForgetUser));
        // Bots first, then their tokens: the lock order of every bot token change (BotTokens.LockAsync).
        await db.Users.Where(u => bots.Contains(u.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.State, UserStates.Blocked).SetProperty(u => u.UpdatedAt, now), ct);
        await db.PersonalAccessTokens.Where(t => bots.Contains(t.UserId) && !t.Revoked)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Revoked, true).SetProperty(t => t.UpdatedAt, now), ct);
        foreach (var bot in bots)
        {
            await audit.RecordAsync(actor.Current, "User", bot, "bot_user_removed", "User", bot,
                new { reason = $"{sourceType} deleted", before = new { state = UserStates.Active }, after = new { state = UserStates.Blocked }, tokens_revoked = true }, ct);
        }
    }
}
