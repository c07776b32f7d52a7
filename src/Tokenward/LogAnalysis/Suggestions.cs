using System.Globalization;

namespace Tokenward.LogAnalysis;

/// <summary>The fix to suggest for a failing token, from why it failed and what the inventory says now.</summary>
public static class Suggestions
{
    public static string For(TokenFailures failures, TokenInfo? info)
    {
        if (info is null)
        {
            return "not in the inventory: deleted, or a token of another instance";
        }

        var id = info.Id.ToString(CultureInfo.InvariantCulture);
        var reason = failures.Reasons.OrderByDescending(r => r.Value).Select(r => r.Key).FirstOrDefault();
        if (info.State == "active" && reason is "token_expired")
        {
            return "expired when used, valid now (extended or rotated since): check the clients still fail";
        }

        return reason switch
        {
            "token_expired" => $"expired {info.ExpiresAt:yyyy-MM-dd}: rotate it (tokenward tokens rotate --id {id}) or extend it (tokenward tokens extend --expiring-on {info.ExpiresAt:yyyy-MM-dd})",
            "token_revoked" => "revoked: give the clients above a new token",
            "insufficient_scope" => $"lacks a scope: the endpoints want {string.Join(" or ", failures.RequestedScopes.DefaultIfEmpty("another scope"))}, it has {string.Join(',', info.Scopes)}: issue a token with that scope",
            "impersonation_disabled" => "an impersonation token while impersonation is disabled: enable impersonation or use a personal access token",
            "user_blocked" or "user_banned" or "user_deactivated" => $"its owner {info.Owner} is {info.State.Replace("owner ", string.Empty, StringComparison.Ordinal)}: reactivate the owner or replace the token",
            "ip_banned" => "its clients' address is banned for failed authentications: fix the failing client, then lift the ban (tokenward bans lift IP)",
            _ when info.State != "active" => $"{info.State}: replace it",
            _ => "check the token and its scopes",
        };
    }
}
