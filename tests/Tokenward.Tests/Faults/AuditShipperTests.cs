using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Tokenward.Audit;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Faults;

/// <summary>
/// The shipper's crash windows, made on purpose: a line written but not recorded, half a line,
/// a re-ship from past the record, two shippers at once. Each ends with every event once.
/// </summary>
public sealed class AuditShipperTests : TempDir
{
    private static async Task<(TestServer Server, long Events)> ServerWithEventsAsync(DatabaseEngine engine)
    {
        var server = await TestServer.StartAsync(engine);
        var alice = await server.CreateUserAsync("alice");
        for (var i = 0; i < 5; i++)
        {
            await server.CreateTokenAsync(alice, ["api"], name: $"t{i}");
        }

        await using var scope = server.Services.CreateAsyncScope();
        return (server, scope.ServiceProvider.GetRequiredService<TokenwardDb>().AuditEvents.Count());
    }

    /// <summary>A second shipper on a folder of this test's own, beside the server's.</summary>
    private AuditShipper ShipperFor(TestServer server, string name = "log") =>
        new(server.Settings with { LogDir = Path.Combine(Dir, name) }, server.Services.GetRequiredService<IServiceScopeFactory>(), NullLogger<AuditShipper>.Instance);

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Lines_written_but_not_recorded_before_a_crash_are_not_written_again(DatabaseEngine engine)
    {
        var (server, events) = await ServerWithEventsAsync(engine);
        await using var _ = server;
        using var shipper = ShipperFor(server);
        Assert.Equal((int)events, await shipper.ShipAsync(CancellationToken.None));

        // Killed after the append, before the record: the record is three events behind the file.
        await File.WriteAllTextAsync(shipper.CheckpointPath, $"{events - 3}\n");
        Assert.Equal(0, await shipper.ShipAsync(CancellationToken.None));
        await AuditTrail.AssertEveryEventShippedOnceAsync(server.Settings.Database, Path.Combine(Dir, "log"));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Half_a_line_is_cut_off_and_its_event_written_whole(DatabaseEngine engine)
    {
        var (server, events) = await ServerWithEventsAsync(engine);
        await using var _ = server;
        using var shipper = ShipperFor(server);
        await shipper.ShipAsync(CancellationToken.None);

        // Killed in the middle of the last line's write, before the record.
        var bytes = await File.ReadAllBytesAsync(shipper.Path);
        var lastLineStart = Array.LastIndexOf(bytes, (byte)'\n', bytes.Length - 2) + 1;
        await File.WriteAllBytesAsync(shipper.Path, bytes[..(lastLineStart + 20)]);
        await File.WriteAllTextAsync(shipper.CheckpointPath, $"{events - 1}\n");
        Assert.Equal(1, await shipper.ShipAsync(CancellationToken.None));
        await AuditTrail.AssertEveryEventShippedOnceAsync(server.Settings.Database, Path.Combine(Dir, "log"));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_reship_from_past_the_record_still_writes_what_was_never_written(DatabaseEngine engine)
    {
        var (server, events) = await ServerWithEventsAsync(engine);
        await using var _ = server;
        using var shipper = ShipperFor(server);
        Assert.Equal((int)events, await shipper.ShipAsync(fromId: events - 1, CancellationToken.None));
        await AuditTrail.AssertEveryEventShippedOnceAsync(server.Settings.Database, Path.Combine(Dir, "log"));
        Assert.Equal("unreadable", await UnreadableRecordAsync(shipper));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Two_shippers_at_once_write_each_event_once(DatabaseEngine engine)
    {
        var (server, _) = await ServerWithEventsAsync(engine);
        await using var __ = server;
        using var one = ShipperFor(server);
        using var two = ShipperFor(server);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => (i % 2 == 0 ? one : two).ShipAsync(CancellationToken.None))));
        Assert.Contains(results, r => r > 0);
        await AuditTrail.AssertEveryEventShippedOnceAsync(server.Settings.Database, Path.Combine(Dir, "log"));
    }

    /// <summary>A record that is not an id stops shipping with an error instead of writing everything again.</summary>
    private static async Task<string> UnreadableRecordAsync(AuditShipper shipper)
    {
        await File.WriteAllTextAsync(shipper.CheckpointPath, "garbage\n", Encoding.ASCII);
        var e = await Assert.ThrowsAsync<IOException>(() => shipper.ShipAsync(CancellationToken.None));
        Assert.Contains("does not hold an event id", e.Message, StringComparison.Ordinal);
        return "unreadable";
    }
}
