using System.Globalization;

namespace Tokenward.LogAnalysis;

/// <summary>What the inventory says about a failing token, to show next to its failures.</summary>
/// <param name="State"><c>active</c>, <c>revoked</c>, <c>expired</c>, or <c>owner blocked</c> (banned, deactivated).</param>
public sealed record TokenInfo(long Id, string Kind, string Name, string Owner, IReadOnlyList<string> Scopes, DateOnly? ExpiresAt, string State)
{
    /// <summary>The inventory's rows for the failing tokens, keyed as the log names them (<c>PersonalAccessToken/ID</c>).</summary>
    public static Dictionary<string, TokenInfo> Of(IEnumerable<ReportRow> rows, DateOnly today) =>
        rows.ToDictionary(r => $"PersonalAccessToken/{r.Id}", r => new TokenInfo(
            r.Id,
            r.Kind,
            r.Name,
            r.ResourceType is null ? r.Username : $"{r.ResourceType} {r.ResourcePath ?? r.ResourceId?.ToString(CultureInfo.InvariantCulture)}",
            r.ScopeList(),
            r.ExpiresAt,
            TokenStates.Of(r.Revoked, r.ExpiresAt, today) is var state && state == TokenState.Active && r.UserState != Core.Authentication.UserStates.Active ? $"owner {r.UserState}" : state.Name()));

    /// <summary>The ids of the failing tokens the log names as Tokenward's (and GitLab's) personal access tokens.</summary>
    public static List<long> Ids(IEnumerable<string> logTokenIds) => logTokenIds
        .Where(k => k.StartsWith("PersonalAccessToken/", StringComparison.Ordinal))
        .Select(k => long.TryParse(k.AsSpan("PersonalAccessToken/".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : -1)
        .Where(id => id > 0).ToList();
}
