using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tokenward.Core.Authentication;
using Tokenward.Hosting;
using Tokenward.Storage;

namespace Tokenward.Authentication;

/// <summary>
/// Finds the token a request presents and decides whether it may be used. One indexed read per
/// request; writes (<c>last_used_at</c>, <c>last_used_ips</c>) only when they are due, so the hot
/// path stays read-only.
/// </summary>
public sealed class TokenAuthenticator(TokenFormat format, TokenDigester digester, AuthCache cache, TimeProvider clock, TokenwardSettings settings)
{
    /// <summary>GitLab writes <c>last_used_at</c> at most this often.</summary>
    public static readonly TimeSpan LastUsedInterval = TimeSpan.FromMinutes(10);

    /// <summary>A new client address is recorded at most this often per token.</summary>
    public static readonly TimeSpan LastUsedIpInterval = TimeSpan.FromMinutes(1);

    public const int LastUsedIpsKept = 5;

    // Per instance, not static: a compiled query is bound to one EF model, and one process may
    // host instances on different engines (the tests do).
    private readonly Func<TokenwardDb, string, CancellationToken, Task<PersonalAccessToken?>> _findByDigest =
        EF.CompileAsyncQuery((TokenwardDb db, string digest, CancellationToken ct) =>
            db.PersonalAccessTokens.Include(t => t.User).FirstOrDefault(t => t.TokenDigest == digest));

    private readonly ConcurrentDictionary<long, DateTimeOffset> _ipWrites = new();

    /// <summary>Looks the value up; null when it is malformed or unknown.</summary>
    public Task<PersonalAccessToken?> FindAsync(TokenwardDb db, string value, CancellationToken ct) => FindAsync(() => db, value, ct);

    /// <summary>Looks the value up, asking for a database context only when the cache does not know it.</summary>
    public async Task<PersonalAccessToken?> FindAsync(Func<TokenwardDb> db, string value, CancellationToken ct)
    {
        if (value.Length == 0 || format.Classify(value) == TokenShape.BadChecksum)
        {
            return null;
        }

        var digest = digester.Digest(value);
        if (cache.Get(digest) is { } cached)
        {
            return cached;
        }

        var generation = cache.Generation;
        var token = await _findByDigest(db(), digest, ct);
        if (token is null || !TokenDigester.DigestsEqual(token.TokenDigest, digest))
        {
            return null;
        }

        cache.Add(digest, token, generation);
        return token;
    }

    /// <remarks>
    /// A cached token is judged here on every request too, so a rotated one stops at the end of
    /// its grace whether or not the cache still holds it.
    /// </remarks>
    public AuthFailReason? Check(PersonalAccessToken token, IReadOnlyList<string> scopes, IReadOnlyCollection<string> accepted)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return TokenRules.Check(
            new TokenFacts(token.Revoked, token.ExpiresAt, scopes, token.Impersonation, token.User!.State, token.RotationGraceUntil),
            DateOnly.FromDateTime(now),
            accepted,
            settings.ImpersonationEnabled,
            now);
    }

    /// <summary>Writes <c>last_used_at</c> and <c>last_used_ips</c> when they are due.</summary>
    public Task RecordUseAsync(TokenwardDb db, PersonalAccessToken token, IPAddress? ip, CancellationToken ct) => RecordUseAsync(() => db, token, ip, ct);

    /// <summary>Writes <c>last_used_at</c> and <c>last_used_ips</c> when they are due, asking for a database context only then.</summary>
    public async Task RecordUseAsync(Func<TokenwardDb> db, PersonalAccessToken token, IPAddress? ip, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var nowUtc = TruncateToMilliseconds(now.UtcDateTime);
        if (token.LastUsedAt is not { } last || nowUtc - last >= LastUsedInterval)
        {
            var threshold = nowUtc - LastUsedInterval;
            // The condition makes concurrent requests write once between them.
            await db().PersonalAccessTokens
                .Where(t => t.Id == token.Id && (t.LastUsedAt == null || t.LastUsedAt <= threshold))
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, nowUtc), ct);
            token.LastUsedAt = nowUtc;
        }

        if (ip is null)
        {
            return;
        }

        var address = (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString();
        // The usual case, a known address, is answered without parsing the list.
        if (token.LastUsedIps?.Contains($"\"{address}\"", StringComparison.Ordinal) == true)
        {
            return;
        }

        var ips = ParseIps(token.LastUsedIps);

        if (_ipWrites.TryGetValue(token.Id, out var lastWrite) && now - lastWrite < LastUsedIpInterval)
        {
            return;
        }

        _ipWrites[token.Id] = now;
        ips.Add(address);
        if (ips.Count > LastUsedIpsKept)
        {
            ips.RemoveRange(0, ips.Count - LastUsedIpsKept);
        }

        var json = JsonSerializer.Serialize(ips);
        await db().PersonalAccessTokens.Where(t => t.Id == token.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedIps, json), ct);
        token.LastUsedIps = json;
    }

    public static List<string> ParseIps(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<List<string>>(json) ?? [];

    public static DateTime TruncateToMilliseconds(DateTime t) => new(t.Ticks - (t.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
}
