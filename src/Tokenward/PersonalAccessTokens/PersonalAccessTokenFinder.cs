using Microsoft.EntityFrameworkCore;
using Tokenward.Storage;

namespace Tokenward.PersonalAccessTokens;

/// <summary>
/// Every personal access token query in one place (GitLab's <c>PersonalAccessTokensFinder</c>), so
/// the API, the CLI and the reports agree on what <c>active</c> or <c>expires_before</c> means.
/// All filters translate to SQL on both engines.
/// </summary>
public static class PersonalAccessTokenFinder
{
    public static IQueryable<PersonalAccessToken> Find(IQueryable<PersonalAccessToken> tokens, TokenFilter f, DateOnly today)
    {
        if (f.UserId is { } userId)
        {
            tokens = tokens.Where(t => t.UserId == userId);
        }

        if (f.Impersonation is { } impersonation)
        {
            tokens = tokens.Where(t => t.Impersonation == impersonation);
        }

        if (f.Revoked is { } revoked)
        {
            tokens = tokens.Where(t => t.Revoked == revoked);
        }

        tokens = f.State switch
        {
            "active" => tokens.Where(t => !t.Revoked && (t.ExpiresAt == null || t.ExpiresAt > today)),
            "inactive" => tokens.Where(t => t.Revoked || (t.ExpiresAt != null && t.ExpiresAt <= today)),
            _ => tokens,
        };

        if (f.CreatedBefore is { } cb)
        {
            tokens = tokens.Where(t => t.CreatedAt <= cb);
        }

        if (f.CreatedAfter is { } ca)
        {
            tokens = tokens.Where(t => t.CreatedAt >= ca);
        }

        if (f.LastUsedBefore is { } lb)
        {
            tokens = tokens.Where(t => t.LastUsedAt <= lb);
        }

        if (f.LastUsedAfter is { } la)
        {
            tokens = tokens.Where(t => t.LastUsedAt >= la);
        }

        if (f.ExpiresBefore is { } eb)
        {
            tokens = tokens.Where(t => t.ExpiresAt < eb);
        }

        if (f.ExpiresAfter is { } ea)
        {
            tokens = tokens.Where(t => t.ExpiresAt >= ea);
        }

        if (!string.IsNullOrWhiteSpace(f.Search))
        {
            var pattern = LikePattern.Containing(f.Search);
            tokens = tokens.Where(t => EF.Functions.Like(t.Name.ToLower(), pattern, LikePattern.Escape));
        }

        return f.Sort switch
        {
            "created_asc" => tokens.OrderBy(t => t.CreatedAt).ThenBy(t => t.Id),
            "created_desc" => tokens.OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id),
            "expires_asc" => tokens.OrderBy(t => t.ExpiresAt == null).ThenBy(t => t.ExpiresAt).ThenBy(t => t.Id),
            "expires_desc" => tokens.OrderBy(t => t.ExpiresAt == null).ThenByDescending(t => t.ExpiresAt).ThenByDescending(t => t.Id),
            "last_used_asc" => tokens.OrderBy(t => t.LastUsedAt == null).ThenBy(t => t.LastUsedAt).ThenBy(t => t.Id),
            "last_used_desc" => tokens.OrderBy(t => t.LastUsedAt == null).ThenByDescending(t => t.LastUsedAt).ThenByDescending(t => t.Id),
            "name_asc" => tokens.OrderBy(t => t.Name).ThenBy(t => t.Id),
            "name_desc" => tokens.OrderByDescending(t => t.Name).ThenByDescending(t => t.Id),
            _ => tokens.OrderBy(t => t.Id),
        };
    }
}
