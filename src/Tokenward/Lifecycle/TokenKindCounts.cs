using Microsoft.EntityFrameworkCore;
using Tokenward.Storage;

namespace Tokenward.Lifecycle;

/// <summary>Counts tokens per kind (<see cref="TokenKinds"/>), the resource tokens by their bot's membership.</summary>
public static class TokenKindCounts
{
    /// <summary>One grouped query; every kind appears, with 0 where there are none.</summary>
    public static async Task<Dictionary<string, int>> CountAsync(TokenwardDb db, IQueryable<PersonalAccessToken> tokens, CancellationToken ct)
    {
        var rows = await (
            from t in tokens
            join u in db.Users on t.UserId equals u.Id
            let source = db.Members.Where(m => m.UserId == u.Id).Select(m => m.SourceType).FirstOrDefault()
            group t by new { t.Impersonation, Bot = u.UserType == UserTypes.ProjectBot, Source = source } into g
            select new { g.Key.Impersonation, g.Key.Bot, g.Key.Source, Count = g.Count() }).ToListAsync(ct);
        var counts = TokenKinds.All.ToDictionary(k => k, _ => 0);
        foreach (var r in rows)
        {
            counts[TokenKinds.Of(r.Impersonation, r.Bot, Member.ResourceOf(r.Source)).Name()] += r.Count;
        }

        return counts;
    }
}
