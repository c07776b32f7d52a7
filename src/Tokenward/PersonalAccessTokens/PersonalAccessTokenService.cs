using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tokenward.Authentication;
using Tokenward.Core.Tokens;
using Tokenward.Hosting;
using Tokenward.Storage;

namespace Tokenward.PersonalAccessTokens;

/// <summary>Creating and revoking personal access tokens: the rules both the API and the CLI go through.</summary>
public sealed class PersonalAccessTokenService(TokenwardDb db, TokenFormat format, TokenDigester digester, AuthCache cache, TimeProvider clock, TokenwardSettings settings)
{
    public const int MaxNameLength = 255;

    /// <returns>The stored token and its plaintext, which is shown once and never kept.</returns>
    /// <exception cref="TokenValidationException">when the request breaks a rule.</exception>
    public async Task<(PersonalAccessToken Token, string Plaintext)> CreateAsync(NewToken request, CancellationToken ct)
    {
        var name = request.Name.Trim();
        if (name.Length == 0)
        {
            throw new TokenValidationException("name", "can't be blank");
        }

        if (name.Length > MaxNameLength)
        {
            throw new TokenValidationException("name", $"is too long (maximum is {MaxNameLength} characters)");
        }

        var scopes = Scopes.Normalize(request.Scopes);
        if (scopes.Count == 0)
        {
            throw new TokenValidationException("scopes", "can't be blank");
        }

        if (scopes.FirstOrDefault(s => !Scopes.IsKnown(s)) is { } unknown)
        {
            throw new TokenValidationException("scopes", $"contains an unknown scope '{unknown}'; known scopes are {string.Join(", ", Scopes.All)}");
        }

        var expiresAt = ExpiryFor(request.ExpiresAt);
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
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.PersonalAccessTokens.Add(token);
        await db.SaveChangesAsync(ct);
        db.Entry(token).State = EntityState.Detached;
        return (token, plaintext);
    }

    /// <summary>Marks the token revoked. Revoking an already revoked token changes nothing.</summary>
    public async Task RevokeAsync(long tokenId, CancellationToken ct)
    {
        var now = TokenAuthenticator.TruncateToMilliseconds(clock.GetUtcNow().UtcDateTime);
        await db.PersonalAccessTokens.Where(t => t.Id == tokenId && !t.Revoked)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Revoked, true).SetProperty(t => t.UpdatedAt, now), ct);
        cache.ForgetToken(tokenId);
    }

    /// <summary>
    /// Applies the lifetime policy: no date means the maximum lifetime when expiry is required;
    /// a date must be in the future and within the maximum lifetime.
    /// </summary>
    public DateOnly? ExpiryFor(DateOnly? requested)
    {
        var today = TokenExpiry.Today(clock);
        var latest = today.AddDays(settings.MaxTokenLifetimeDays);
        if (requested is not { } date)
        {
            return settings.RequireTokenExpiry ? latest : null;
        }

        if (date <= today)
        {
            throw new TokenValidationException("expires_at", "must be in the future");
        }

        if (date > latest)
        {
            throw new TokenValidationException("expires_at", $"must be on or before {latest:yyyy-MM-dd} (the maximum lifetime is {settings.MaxTokenLifetimeDays} days)");
        }

        return date;
    }
}
