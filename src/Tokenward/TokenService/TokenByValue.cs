using Tokenward.Authentication;
using Tokenward.Core.Authentication;
using Tokenward.Members;
using Tokenward.ResourceAccessTokens;
using Tokenward.Storage;

namespace Tokenward.TokenService;

/// <summary>
/// A token found by its value, for those who hold a value and ask about it: introspection, the
/// admin's lookup and revocation by value, leak reports. Found as authentication finds it (the
/// digest, the cache), with what kind of token it is and, for a resource token, its project or group.
/// </summary>
public sealed class TokenByValue(TokenwardDb db, TokenAuthenticator authenticator, BotTokens bots)
{
    public async Task<FoundToken?> FindAsync(string value, CancellationToken ct)
    {
        var token = await authenticator.FindAsync(db, value.Trim(), ct);
        if (token is null)
        {
            return null;
        }

        var resource = token.User!.IsBot ? await bots.HomeOfAsync(token.UserId, ct) : null;
        var kind = token.Impersonation ? "impersonation_token"
            : resource is not null ? $"{resource.Kind}_access_token"
            : "personal_access_token";
        return new FoundToken(token, kind, resource);
    }

    /// <summary>Why the token would be refused by any endpoint, whatever its scopes; null when it is active.</summary>
    public AuthFailReason? Inactive(FoundToken found) =>
        authenticator.Check(found.Token, found.Token.ScopeList(), Api.ApiAccess.AnyScope);
}

/// <param name="Kind"><c>personal_access_token</c>, <c>impersonation_token</c>, <c>project_access_token</c> or <c>group_access_token</c>.</param>
/// <param name="Resource">The project or group of a resource token.</param>
public sealed record FoundToken(PersonalAccessToken Token, string Kind, ResourceRef? Resource);
