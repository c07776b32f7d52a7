using System.Globalization;
using Tokenward.Core.Groups;

namespace Tokenward.Storage;

/// <summary><see cref="GroupTree"/>'s rule as one recursive query, for every caller that asks the database.</summary>
public static class GroupSubtreeSql
{
    /// <summary>A <c>tree(id)</c> of the group named by <paramref name="root"/> (a parameter) and every group below it.</summary>
    public static string Tree(string root) =>
        $"WITH RECURSIVE tree(id) AS (SELECT {root} UNION SELECT n.id FROM namespaces n JOIN tree t ON n.parent_id = t.id)";

    /// <summary>The tree's ids, at most <see cref="GroupTree.MaxGroups"/>, as EF Core's scalar queries read them.</summary>
    public static string Ids(string root) =>
        $"{Tree(root)} SELECT id AS \"Value\" FROM tree LIMIT {GroupTree.MaxGroups.ToString(CultureInfo.InvariantCulture)}";
}
