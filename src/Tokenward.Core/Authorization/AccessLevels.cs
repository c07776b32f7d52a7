namespace Tokenward.Core.Authorization;

/// <summary>GitLab's membership access levels.</summary>
public static class AccessLevels
{
    public const int NoAccess = 0;
    public const int Guest = 10;
    public const int Planner = 15;
    public const int Reporter = 20;
    public const int Developer = 30;
    public const int Maintainer = 40;
    public const int Owner = 50;

    public static readonly IReadOnlyList<int> All = [Guest, Planner, Reporter, Developer, Maintainer, Owner];

    public static bool IsValid(int level) => All.Contains(level);
}
