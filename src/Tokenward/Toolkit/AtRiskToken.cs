using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tokenward.Toolkit;

/// <summary>
/// An active token that expires soon and is still in use: what breaks on its day, and the fix.
/// <see cref="CallsPerDay"/> is known only when a log was read (<c>--log</c>).
/// </summary>
public sealed record AtRiskToken(ReportRow Token, int DaysLeft, double? CallsPerDay, string Fix, string FixCommand)
{
    /// <summary>Too close to its day for the owner to roll a deployment over: an admin extends it now.</summary>
    public const string Extend = "extend";

    /// <summary>A project, group or impersonation token: whoever manages it rotates it, with a grace period.</summary>
    public const string Rotate = "rotate";

    /// <summary>A personal token: only its owner can roll it out where it is used.</summary>
    public const string NotifyOwner = "notify_owner";

    /// <summary>Days below which a rollover is no longer safe to ask for: the 7-day notice.</summary>
    public const int ExtendWithin = 7;

    /// <summary>The grace period the rotation commands suggest: a day for every replica to pick up the new value.</summary>
    public const string SuggestedGrace = "1d";

    /// <summary>The fix for <paramref name="token"/>, <paramref name="daysLeft"/> days before it expires.</summary>
    public static AtRiskToken For(ReportRow token, int daysLeft, double? callsPerDay)
    {
        var expires = token.ExpiresAt!.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var id = token.Id.ToString(CultureInfo.InvariantCulture);
        if (daysLeft <= ExtendWithin)
        {
            var owner = token.ResourceType switch
            {
                TokenKinds.Project => $"--project {token.ResourceId}",
                TokenKinds.Group => $"--group {token.ResourceId}",
                _ => $"--user {token.Username}",
            };
            return new(token, daysLeft, callsPerDay, Extend, $"tokenward tokens extend --expiring-on {expires} {owner} --by 30d");
        }

        return token.Kind switch
        {
            TokenKinds.Project => new(token, daysLeft, callsPerDay, Rotate, $"POST /api/v4/projects/{token.ResourceId}/access_tokens/{id}/rotate?grace_period={SuggestedGrace}"),
            TokenKinds.Group => new(token, daysLeft, callsPerDay, Rotate, $"POST /api/v4/groups/{token.ResourceId}/access_tokens/{id}/rotate?grace_period={SuggestedGrace}"),
            TokenKinds.Impersonation => new(token, daysLeft, callsPerDay, Rotate, $"POST /api/v4/users/{token.UserId}/impersonation_tokens/{id}/rotate?grace_period={SuggestedGrace}"),
            _ => new(token, daysLeft, callsPerDay, NotifyOwner,
                $"tell {token.UserEmail ?? token.Username}: POST /api/v4/personal_access_tokens/{id}/rotate?grace_period={SuggestedGrace}"),
        };
    }

    /// <summary>The report row's JSON (the admin API's token fields) with the risk's.</summary>
    public JsonObject ToJson()
    {
        var json = JsonSerializer.SerializeToNode(Token, ReportRowJson.Options)!.AsObject();
        json["days_left"] = DaysLeft;
        json["calls_per_day"] = CallsPerDay is { } c ? Math.Round(c, 2) : null;
        json["fix"] = Fix;
        json["fix_command"] = FixCommand;
        return json;
    }
}
