using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tokenward.Audit;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Faults;

/// <summary>
/// The shipper's crash windows and its hand-overs, made on purpose: a line written but not
/// recorded, half a line, a node taking over from one that stopped mid-batch, the lease, a
/// re-ship, two shippers at once, a record kept in the folder by an older version. Each ends
/// with every event once across the folders involved.
/// </summary>
public sealed class AuditShipperTests : TempDir
{
    private readonly CapturingLoggerProvider _log = new();

    /// <summary>A server with events, all shipped into its folder, whose own shipping then stops: the test ships from here on.</summary>
    private static async Task<(TestServer Server, long Events)> ServerWithEventsAsync(DatabaseEngine engine)
    {
        var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        for (var i = 0; i < 5; i++)
        {
            await server.CreateTokenAsync(alice, ["api"], name: $"t{i}");
        }

        await server.Services.GetServices<IHostedService>().OfType<AuditShippingService>().Single().StopAsync(CancellationToken.None);
        return (server, await EventCountAsync(server));
    }

    /// <summary>Events committed after the server's shipping stopped: a user and its tokens; returns the user.</summary>
    private static async Task<long> MoreEventsAsync(TestServer server, int tokens)
    {
        var user = await server.CreateUserAsync("alice2");
        for (var i = 0; i < tokens; i++)
        {
            await server.CreateTokenAsync(user, ["api"], name: $"more{i}");
        }

        return user;
    }

    private static async Task<long> EventCountAsync(TestServer server)
    {
        await using var scope = server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TokenwardDb>().AuditEvents.CountAsync();
    }

    /// <summary>The server's own shipper: this node.</summary>
    private static AuditShipper Own(TestServer server) => server.Services.GetRequiredService<AuditShipper>();

    /// <summary>Another node on the same database: a folder of this test's own, the server's clock.</summary>
    private AuditShipper OtherNode(TestServer server, string name = "other") =>
        new(server.Settings with { LogDir = Path.Combine(Dir, name) }, server.Services.GetRequiredService<IServiceScopeFactory>(), server.Clock, new Logger<AuditShipper>(new CapturingLoggerFactory(_log)));

    private static async Task RecordAsync(TestServer server, Action<AuditShipping> change)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
        var state = await db.AuditShipping.AsTracking().SingleAsync();
        change(state);
        await db.SaveChangesAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Lines_written_but_not_recorded_before_a_crash_are_not_written_again(DatabaseEngine engine)
    {
        var (server, events) = await ServerWithEventsAsync(engine);
        await using var _ = server;

        // Killed after the append, before the record: the record says a batch was being written.
        await RecordAsync(server, s => (s.ShippedThrough, s.WritingThrough) = (events - 3, events));
        Assert.Equal(0, await Own(server).ShipAsync(CancellationToken.None));
        await AuditTrail.AssertEveryEventShippedOnceAsync(server.Settings.Database, server.Settings.LogDir);
        Assert.Null((await Own(server).CurrentAsync(CancellationToken.None))!.WritingThrough);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Half_a_line_is_cut_off_and_its_event_written_whole(DatabaseEngine engine)
    {
        var (server, events) = await ServerWithEventsAsync(engine);
        await using var _ = server;

        // Killed in the middle of the last line's write, before the record.
        var path = Own(server).Path;
        var bytes = await File.ReadAllBytesAsync(path);
        var lastLineStart = Array.LastIndexOf(bytes, (byte)'\n', bytes.Length - 2) + 1;
        await File.WriteAllBytesAsync(path, bytes[..(lastLineStart + 20)]);
        await RecordAsync(server, s => (s.ShippedThrough, s.WritingThrough) = (events - 2, events));
        Assert.Equal(1, await Own(server).ShipAsync(CancellationToken.None));
        await AuditTrail.AssertEveryEventShippedOnceAsync(server.Settings.Database, server.Settings.LogDir);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_node_taking_over_from_one_that_stopped_mid_batch_writes_the_batch_again_and_says_so(DatabaseEngine engine)
    {
        var (server, events) = await ServerWithEventsAsync(engine);
        await using var _ = server;
        await RecordAsync(server, s => (s.ShippedThrough, s.WritingThrough, s.Writer, s.Shipper, s.LeaseUntil) =
            (events - 2, events, "gone:/var/log/tokenward", "gone:/var/log/tokenward", server.Clock.GetUtcNow().UtcDateTime.AddSeconds(-1)));
        using var other = OtherNode(server);
        Assert.Equal(2, await other.ShipAsync(CancellationToken.None));
        Assert.Equal([events - 1, events], AuditTrail.ShippedIds(Path.Combine(Dir, "other")));
        Assert.Contains(_log.Entries, e => e.Contains($"Audit events {events - 1} to {events} may be in gone:/var/log/tokenward's", StringComparison.Ordinal));
        var state = await other.CurrentAsync(CancellationToken.None);
        Assert.Equal((events, null, other.Node, other.Node), (state!.ShippedThrough, state.WritingThrough, state.Writer, state.Shipper));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task The_stream_stays_on_its_node_until_that_node_stops_renewing(DatabaseEngine engine)
    {
        var (server, events) = await ServerWithEventsAsync(engine);
        await using var _ = server;
        using var other = OtherNode(server);

        // Its shipping stopped and let the lease go: a run of the server's shipper takes it again.
        Assert.Equal(0, await Own(server).ShipAsync(CancellationToken.None));
        var alice = await MoreEventsAsync(server, tokens: 1);

        // The server's lease is alive: the other node leaves the new events to it.
        Assert.Null(await other.ShipAsync(CancellationToken.None));
        Assert.Empty(AuditTrail.ShippedIds(Path.Combine(Dir, "other")));

        // The server stopped renewing (its shipping stopped); after the lease the other node takes over.
        server.Clock.Advance(AuditShipper.Lease + TimeSpan.FromSeconds(1));
        Assert.Equal((int)(await EventCountAsync(server) - events), await other.ShipAsync(CancellationToken.None));
        Assert.Contains(_log.Entries, e => e.Contains($"This node ({other.Node}) writes the audit log now; {Own(server).Node} did before", StringComparison.Ordinal));

        // And keeps it: the server's shipper, were it to run, leaves the next events to the other node.
        var before = await EventCountAsync(server);
        await server.CreateTokenAsync(alice, ["api"], name: "later");
        Assert.Null(await Own(server).ShipAsync(CancellationToken.None));
        Assert.Equal((int)(await EventCountAsync(server) - before), await other.ShipAsync(CancellationToken.None));
        await AuditTrail.AssertEveryEventShippedOnceAsync(server.Settings.Database, server.Settings.LogDir, Path.Combine(Dir, "other"));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_reship_writes_into_its_folder_without_taking_the_stream(DatabaseEngine engine)
    {
        var (server, events) = await ServerWithEventsAsync(engine);
        await using var _ = server;
        using var other = OtherNode(server);
        Assert.Equal(0, await Own(server).ShipAsync(CancellationToken.None)); // the server holds the lease again
        Assert.Equal(2, await other.ShipAsync(fromId: events - 1, CancellationToken.None));
        Assert.Equal([events - 1, events], AuditTrail.ShippedIds(Path.Combine(Dir, "other")));
        Assert.Equal(Own(server).Node, (await other.CurrentAsync(CancellationToken.None))!.Shipper);
        await AuditTrail.AssertEveryEventShippedOnceAsync(server.Settings.Database, server.Settings.LogDir);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Two_shippers_at_once_write_each_event_once(DatabaseEngine engine)
    {
        var (server, events) = await ServerWithEventsAsync(engine);
        await using var __ = server;
        await MoreEventsAsync(server, tokens: 3);

        server.Clock.Advance(AuditShipper.Lease + TimeSpan.FromSeconds(1));
        using var one = OtherNode(server, "one");
        using var two = OtherNode(server, "two");
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => (i % 2 == 0 ? one : two).ShipAsync(CancellationToken.None))));
        Assert.Equal(await EventCountAsync(server) - events, results.Sum(r => r ?? 0));
        await AuditTrail.AssertEveryEventShippedOnceAsync(server.Settings.Database, server.Settings.LogDir, Path.Combine(Dir, "one"), Path.Combine(Dir, "two"));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_record_kept_in_the_folder_by_an_older_version_is_where_shipping_goes_on(DatabaseEngine engine)
    {
        var (server, events) = await ServerWithEventsAsync(engine);
        await using var _ = server;
        var own = Own(server);
        await DeleteRecordAsync(server);
        await File.WriteAllTextAsync(own.CheckpointPath, $"{events}\n");
        await MoreEventsAsync(server, tokens: 1);
        Assert.Equal((int)(await EventCountAsync(server) - events), await own.ShipAsync(CancellationToken.None));
        await AuditTrail.AssertEveryEventShippedOnceAsync(server.Settings.Database, server.Settings.LogDir);

        // A folder record that is not an id stops shipping with an error instead of writing everything again.
        await DeleteRecordAsync(server);
        File.Delete(own.Path);
        await File.WriteAllTextAsync(own.CheckpointPath, "garbage\n", Encoding.ASCII);
        var e = await Assert.ThrowsAsync<IOException>(() => own.ShipAsync(CancellationToken.None));
        Assert.Contains("does not hold an event id", e.Message, StringComparison.Ordinal);
    }

    private static async Task DeleteRecordAsync(TestServer server)
    {
        await using var scope = server.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<TokenwardDb>().AuditShipping.ExecuteDeleteAsync();
    }

    /// <summary>Hands out the test's capturing loggers; nothing to let go of.</summary>
    private sealed class CapturingLoggerFactory(CapturingLoggerProvider provider) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => provider.CreateLogger(categoryName);

        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}
