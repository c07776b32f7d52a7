using Tokenward.Core.Groups;

namespace Tokenward.Tests.Core;

public class GroupTreeTests
{
    private static readonly (long, long?)[] Groups = [(1, null), (2, 1), (3, 2), (4, null), (5, 1), (6, 3)];

    [Fact]
    public void A_subtree_is_the_group_and_every_group_below_it() =>
        Assert.Equal([1, 2, 3, 5, 6], GroupTree.Subtree(1, Groups).Order());

    [Fact]
    public void A_leaf_is_its_own_subtree() => Assert.Equal([4], GroupTree.Subtree(4, Groups));

    [Fact]
    public void A_cycle_ends() => Assert.Equal([7, 8], GroupTree.Subtree(7, [(7, 8), (8, 7)]).Order());
}
