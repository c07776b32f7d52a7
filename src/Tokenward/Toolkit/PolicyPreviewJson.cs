using System.Globalization;
using System.Text.Json.Nodes;

namespace Tokenward.Toolkit;

/// <summary>A policy preview as JSON, the same from the CLI's <c>--format json</c> and the admin API.</summary>
public static class PolicyPreviewJson
{
    public static JsonObject From(PolicyPreviewResult r) => new()
    {
        ["today"] = Date(r.Today),
        ["current"] = Policy(r.Current),
        ["proposed"] = Policy(r.Proposed),
        ["latest_expiry"] = Date(r.Latest),
        ["rotation_expiry"] = r.RotationExpiry is { } d ? Date(d) : null,
        ["shortened"] = r.Shortened.Values.Sum(),
        ["get_expiry"] = r.GetExpiry.Values.Sum(),
        ["per_kind"] = new JsonObject(TokenKinds.All.Select(k => KeyValuePair.Create(k, (JsonNode?)new JsonObject { ["shortened"] = r.Shortened[k], ["get_expiry"] = r.GetExpiry[k] }))),
        ["owners"] = new JsonArray(r.Owners.Select(o => (JsonNode)new JsonObject
        {
            ["owner"] = o.Owner,
            ["kind"] = o.Kind,
            ["user_id"] = o.UserId,
            ["shortened"] = o.Shortened,
            ["get_expiry"] = o.GetExpiry,
            ["earliest_expiry"] = o.EarliestExpiry is { } e ? Date(e) : null,
        }).ToArray()),
    };

    private static JsonObject Policy(TokenPolicy p) => new()
    {
        ["require_personal_access_token_expiry"] = p.RequirePersonalAccessTokenExpiry,
        ["max_personal_access_token_lifetime"] = p.MaxPersonalAccessTokenLifetime,
    };

    private static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
