using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;
using Tokenward.Toolkit;
using Xunit.Abstractions;

namespace Tokenward.Tests.Toolkit;

public class ScratchSqlTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Show(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        await using var scope = server.Services.CreateAsyncScope();
        var inv = scope.ServiceProvider.GetRequiredService<TokenInventory>();
        var f = new ReportFilter { Kinds = ["personal", "project"], GroupIds = [1, 2], ProjectIds = [3], Scope = "api", ExpiresFrom = new DateOnly(2026, 1, 1), ExpiresTo = new DateOnly(2026, 2, 1) };
        output.WriteLine(inv.Report(f).ToQueryString());
        var rows = await inv.Report(f).ToListAsync();
        var all = await inv.Report(new ReportFilter()).ToListAsync();
        output.WriteLine(all.Count.ToString());
        var d = await inv.ExpiryDatesAsync(new ReportFilter(), new DateOnly(2026, 1, 1), 10, default);
    }
}
