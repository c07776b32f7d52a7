using Microsoft.EntityFrameworkCore;
using Tokenward.Settings;

namespace Tokenward.Toolkit;

/// <summary>
/// Which tokens a stricter policy would shorten, or give an expiry, at their next rotation, per
/// owner and kind, before the setting changes. Each token is judged by
/// <see cref="TokenPolicy.ImpactOnRotation"/>, the rule next to the one rotation applies; SQL only
/// narrows the rows to the candidates (a date past the new maximum, or none).
/// </summary>
public sealed class PolicyPreview(TokenRows tokens, ApplicationSettings settings, TimeProvider clock)
{
    /// <summary>The policy in force with what is given changed, judged over the active tokens of the filter.</summary>
    /// <exception cref="ToolkitException">when the maximum lifetime is out of range.</exception>
    public async Task<PolicyPreviewResult> PreviewAsync(TokenFilter filter, bool? requireExpiry, int? maxLifetime, CancellationToken ct)
    {
        if (maxLifetime is < 1 or > TokenPolicy.MaxLifetimeCeiling)
        {
            throw new ToolkitException($"the maximum lifetime must be between 1 and {TokenPolicy.MaxLifetimeCeiling} days, not {maxLifetime}");
        }

        var current = await settings.PolicyAsync(ct);
        var policy = new TokenPolicy(requireExpiry ?? current.RequirePersonalAccessTokenExpiry, maxLifetime ?? current.MaxPersonalAccessTokenLifetime);
        var today = TokenStates.Today(clock);
        var latest = policy.Latest(today);
        var candidates = filter.Apply(tokens.Rows(), today)
            .Where(TokenStates.NotExpired<ReportRow>(today))
            .Where(r => r.ExpiresAt == null || r.ExpiresAt > latest)
            .Select(r => new { r.Kind, r.UserId, r.Username, r.ResourceType, r.ResourcePath, r.ExpiresAt })
            .AsAsyncEnumerable();
        var owners = new Dictionary<(string Kind, long UserId), PolicyPreviewOwner>();
        await foreach (var r in candidates.WithCancellation(ct))
        {
            var impact = policy.ImpactOnRotation(r.ExpiresAt, today);
            if (impact == RotationImpact.None)
            {
                continue;
            }

            var key = (r.Kind, r.UserId);
            var owner = owners.GetValueOrDefault(key) ?? new PolicyPreviewOwner(r.ResourceType is null ? r.Username : $"{r.ResourceType} {r.ResourcePath}", r.Kind, r.UserId, 0, 0, null);
            owners[key] = impact == RotationImpact.Shortened
                ? owner with { Shortened = owner.Shortened + 1, EarliestExpiry = owner.EarliestExpiry is { } e && e < r.ExpiresAt ? e : r.ExpiresAt }
                : owner with { GetExpiry = owner.GetExpiry + 1 };
        }

        var list = owners.Values.OrderBy(o => o.EarliestExpiry ?? DateOnly.MaxValue).ThenByDescending(o => o.Shortened + o.GetExpiry).ThenBy(o => o.Owner, StringComparer.Ordinal).ThenBy(o => o.Kind, StringComparer.Ordinal).ToList();
        return new PolicyPreviewResult(
            current,
            policy,
            today,
            latest,
            policy.ExpiryFor(null, today, null, rotation: true),
            TokenKinds.All.ToDictionary(k => k, k => list.Where(o => o.Kind == k).Sum(o => o.Shortened)),
            TokenKinds.All.ToDictionary(k => k, k => list.Where(o => o.Kind == k).Sum(o => o.GetExpiry)),
            list);
    }
}
