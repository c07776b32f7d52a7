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

    /// <summary>
    /// Whether someone at <paramref name="holder"/> holds every permission of <paramref name="assigned"/>,
    /// GitLab's <c>Authz::Role.access_level_encompasses?</c>: Planner is a side branch above Guest,
    /// so only an Owner or a Planner may hand out Planner.
    /// </summary>
    public static bool Encompasses(int holder, int assigned) =>
        IsValid(holder) && IsValid(assigned) && holder switch
        {
            Owner => true,
            Planner => assigned is Planner or Guest,
            _ => assigned != Planner && assigned <= holder,
        };
}
