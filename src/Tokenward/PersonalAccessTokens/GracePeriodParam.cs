using Tokenward.Api;

namespace Tokenward.PersonalAccessTokens;

/// <summary>Tokenward's <c>grace_period</c> on every rotate endpoint (see <see cref="RotationGrace"/>), with GitLab-style 400s.</summary>
public static class GracePeriodParam
{
    public const string Name = "grace_period";

    /// <returns>The period asked for; null when not given.</returns>
    public static TimeSpan? Read(ApiParams p)
    {
        if (p.String(Name) is not { } value)
        {
            return null;
        }

        var period = RotationGrace.Parse(value) ?? throw ApiException.InvalidParameter($"{Name} is invalid");
        return period <= RotationGrace.Max
            ? period
            : throw ApiException.InvalidParameter($"{Name} must be at most {RotationGrace.MaxText} ({(long)RotationGrace.Max.TotalSeconds} seconds)");
    }
}
