using Tokenward.Storage;

namespace Tokenward.PersonalAccessTokens;

/// <summary>
/// The API's token lists (GitLab's <c>PersonalAccessTokensFinder</c>): the filters are
/// <see cref="TokenFilter"/>'s, shared with the reports; here only what is the table's own,
/// impersonation and GitLab's sort orders. All of it translates to SQL on both engines.
/// </summary>
public static class PersonalAccessTokenFinder
{
    public static readonly string[] Sorts =
        ["created_asc", "created_desc", "expires_asc", "expires_desc", "last_used_asc", "last_used_desc", "name_asc", "name_desc"];

    public static IQueryable<PersonalAccessToken> Find(IQueryable<PersonalAccessToken> tokens, TokenFilter f, string? sort, DateOnly today)
    {
        tokens = f.ApplyToTokens(tokens, today);
        if (f.Impersonation is { } impersonation)
        {
            tokens = tokens.Where(t => t.Impersonation == impersonation);
        }

        return sort switch
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
