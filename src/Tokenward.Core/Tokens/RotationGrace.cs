using System.Globalization;

namespace Tokenward.Core.Tokens;

/// <summary>
/// Tokenward's <c>grace_period</c> on rotation: the old token is revoked at once, as GitLab does,
/// but still authenticates until <c>rotation_grace_until</c>, so a deployment can roll over to its
/// successor without a gap. Not the retry window of <see cref="RotationReuseRule"/>, which only
/// decides how a rotated token presented to rotate again is taken.
/// </summary>
public static class RotationGrace
{
    /// <summary>Long enough for a slow rollout; short enough that a leaked old token does not outlive a week.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(7);

    public const string MaxText = "7d";

    /// <summary>
    /// A whole number of seconds (<c>3600</c>) or of one unit (<c>90s</c>, <c>30m</c>, <c>1h</c>,
    /// <c>2d</c>); <c>0</c> means none, as if it had not been given.
    /// </summary>
    /// <returns>The period, or null when the value is malformed.</returns>
    public static TimeSpan? Parse(string value)
    {
        var text = value.Trim();
        if (text.Length == 0)
        {
            return null;
        }

        var unit = char.ToLowerInvariant(text[^1]);
        var seconds = unit switch
        {
            's' => 1L,
            'm' => 60L,
            'h' => 3_600L,
            'd' => 86_400L,
            _ => 0L,
        };
        var digits = seconds == 0 ? text : text[..^1];
        // Digits only: no sign, no fraction, no exponent, and short enough not to overflow.
        if (digits.Length is 0 or > 9 || !digits.All(char.IsAsciiDigit))
        {
            return null;
        }

        // 999999999d is beyond TimeSpan: anything past the maximum is only "over the maximum".
        var total = long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture) * Math.Max(seconds, 1);
        return TimeSpan.FromSeconds(Math.Min(total, (long)Max.TotalSeconds + 1));
    }

    /// <summary>What is wrong with <paramref name="value"/> as a grace period, after its name (GitLab's wording), or null when it is one.</summary>
    public static string? Problem(string value, out TimeSpan period)
    {
        var parsed = Parse(value);
        period = parsed ?? TimeSpan.Zero;
        return parsed is null ? "is invalid"
            : parsed > Max ? string.Create(CultureInfo.InvariantCulture, $"must be at most {MaxText} ({(long)Max.TotalSeconds} seconds)")
            : null;
    }

    /// <summary>Whether a revoked token still authenticates at <paramref name="now"/>: up to, not at, the end of its grace.</summary>
    public static bool InGrace(bool revoked, DateTime? graceUntil, DateTime now) => revoked && graceUntil is { } until && now < until;
}
