using Microsoft.EntityFrameworkCore;
using Tokenward.Storage;

namespace Tokenward.Lifecycle;

/// <summary>Counts tokens per kind: personal, impersonation, project and group (the last two by their bot's membership).</summary>
public static class TokenKinds
{
    public const string Personal = "personal";
    public const string Impersonation = "impersonation";
    public const string Project = "project";
    public const string Group = "group";

    public static readonly IReadOnlyList<string> All = [Personal, Impersonation, Project, Group];

    /// <summary>One grouped query; every kind appears, with 0 where there are none.</summary>
    public static async Task<Dictionary<string, int>> CountAsync(TokenwardDb db, IQueryable<PersonalAccessToken> tokens, CancellationToken ct)
    {
        var rows = await (
            from t in tokens
            join u in db.Users on t.UserId equals u.Id
            let source = db.Members.Where(m => m.UserId == u.Id).Select(m => m.SourceType).FirstOrDefault()
            group t by new { t.Impersonation, Bot = u.UserType == UserTypes.ProjectBot, Source = source } into g
            select new { g.Key.Impersonation, g.Key.Bot, g.Key.Source, Count = g.Count() }).ToListAsync(ct);
        var counts = All.ToDictionary(k => k, _ => 0);
        foreach (var r in rows)
        {
            var kind = r.Impersonation ? Impersonation
                : !r.Bot ? Personal
                : r.Source == Member.ProjectSource ? Project
                : Group;
            counts[kind] += r.Count;
        }

        return counts;
    }
}
