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

        return RotationGrace.Problem(value, out var period) is { } problem ? throw ApiException.InvalidParameter($"{Name} {problem}") : period;
    }
}
