using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Core.Groups;
using Tokenward.Members;
using Tokenward.Storage;
using Tokenward.Tests.Http;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Storage;

/// <summary>The database's recursive query is <see cref="GroupTree"/>'s rule.</summary>
public sealed class GroupSubtreeTests
{
    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task The_recursive_query_finds_what_the_rule_finds(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        var top = await GroupsAndProjectsApiTests.CreateGroupAsync(server, "top");
        var a = await GroupsAndProjectsApiTests.CreateGroupAsync(server, "a", top);
        var b = await GroupsAndProjectsApiTests.CreateGroupAsync(server, "b", a);
        await GroupsAndProjectsApiTests.CreateGroupAsync(server, "c", top);
        await GroupsAndProjectsApiTests.CreateGroupAsync(server, "d", b);
        await GroupsAndProjectsApiTests.CreateGroupAsync(server, "other");

        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
        var all = (await db.Namespaces.Select(n => new { n.Id, n.ParentId }).ToListAsync()).Select(n => (n.Id, n.ParentId)).ToList();
        var access = scope.ServiceProvider.GetRequiredService<Access>();
        foreach (var (id, _) in all)
        {
            Assert.Equal(GroupTree.Subtree(id, all).Order(), (await access.SubtreeAsync(id, CancellationToken.None)).Order());
        }

        Assert.Equal(5, (await access.SubtreeAsync(top, CancellationToken.None)).Count);
    }
}
