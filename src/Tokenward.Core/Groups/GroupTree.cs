namespace Tokenward.Core.Groups;

/// <summary>
/// The group-subtree rule: a group covers itself and every group below it (membership in a group
/// applies to its subgroups and their projects), up to <see cref="MaxGroups"/>. Written here for
/// rows in memory (the remote inventory); the database's recursive query
/// (<c>Storage/GroupSubtreeSql</c>) is held to it by a test.
/// </summary>
public static class GroupTree
{
    /// <summary>Larger subtrees are cut off: a cycle or a runaway hierarchy must not run a query forever.</summary>
    public const int MaxGroups = 100_000;

    /// <summary>The group and every group below it, breadth first.</summary>
    public static List<long> Subtree(long root, IEnumerable<(long Id, long? ParentId)> groups)
    {
        var children = groups.Where(g => g.ParentId is not null).ToLookup(g => g.ParentId!.Value, g => g.Id);
        var found = new List<long> { root };
        var seen = new HashSet<long> { root };
        for (var i = 0; i < found.Count && found.Count < MaxGroups; i++)
        {
            foreach (var child in children[found[i]])
            {
                if (seen.Add(child) && found.Count < MaxGroups)
                {
                    found.Add(child);
                }
            }
        }

        return found;
    }
}
