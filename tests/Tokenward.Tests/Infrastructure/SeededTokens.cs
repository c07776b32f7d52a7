using Tokenward.Storage;

namespace Tokenward.Tests.Infrastructure;

/// <summary>Tokens written straight to the database: thousands in a moment, where the API would take minutes.</summary>
internal static class SeededTokens
{
    /// <summary>One token of <paramref name="userId"/> with the <c>api</c> scope per date (null: no expiry), named <paramref name="name"/> and its index.</summary>
    /// <returns>Their ids, in the order of the dates.</returns>
    public static async Task<List<long>> AddAsync(TokenwardDb db, long userId, IEnumerable<DateOnly?> dates, string name)
    {
        var now = DateTime.UtcNow;
        var tokens = dates.Select((d, i) => new PersonalAccessToken
        {
            UserId = userId,
            Name = $"{name} {i}",
            TokenDigest = $"{name.Replace(' ', '-')}-digest-{i}",
            Scopes = "[\"api\"]",
            ExpiresAt = d,
            CreatedAt = now,
            UpdatedAt = now,
        }).ToList();
        db.PersonalAccessTokens.AddRange(tokens);
        await db.SaveChangesAsync();
        return tokens.Select(t => t.Id).ToList();
    }
}
