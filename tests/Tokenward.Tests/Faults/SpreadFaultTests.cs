using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Tokenward.Storage;
using Tokenward.Tests.Cli;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Faults;

/// <summary>
/// <c>tokens extend --spread --yes</c> killed with SIGKILL mid-run, then run again: every token ends
/// on the day an uninterrupted run gives it, with one audit event each.
/// </summary>
public sealed class SpreadFaultTests : TempDir
{
    private const int Tokens = 20_000;

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_spread_killed_and_rerun_gives_every_token_the_day_planned_for_it(DatabaseEngine engine)
    {
        var database = Engines.Fresh(engine, Dir);
        string[] args = Engines.CliArgs(database, Dir);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var expiringOn = today.AddDays(30);
        var start = today.AddDays(60);
        Assert.Equal(0, (await TokenwardProcess.RunAsync(null, ["init", .. args])).ExitCode);
        var migrated = await TokenwardProcess.RunAsync(null, ["audit", "ship", .. args]);
        Assert.True(migrated.ExitCode == 0, migrated.Stderr);
        List<long> ids;
        await using (var db = await AuditTrail.OpenAsync(database))
        {
            var now = DateTime.UtcNow;
            var owner = new User { Username = "bulk", Email = "bulk@example.com", Name = "Bulk", CreatedAt = now, UpdatedAt = now };
            db.Users.Add(owner);
            await db.SaveChangesAsync();
            ids = await SeededTokens.AddAsync(db, owner.Id, Enumerable.Repeat<DateOnly?>(expiringOn, Tokens), "bulk");
        }

        // What an uninterrupted run gives: the one rule, over the whole selection.
        var plan = new Tokenward.Core.Tokens.ExpirySpread(start, start.AddDays(28), workdays: true).Assign(ids);
        string[] spread = ["tokens", "extend", "--expiring-on", Text(expiringOn), "--to", Text(start), "--spread", "4w", "--workdays", "--yes", .. args];
        var first = Process.Start(TokenwardProcess.StartInfo(null, spread))!;
        try
        {
            first.OutputDataReceived += (_, _) => { };
            first.ErrorDataReceived += (_, _) => { };
            first.BeginOutputReadLine();
            first.BeginErrorReadLine();
            await using var db = await AuditTrail.OpenAsync(database);
            var deadline = Deadline.InSeconds(60);
            while (await db.PersonalAccessTokens.CountAsync(t => t.ExpiresAt != expiringOn) < 2_000)
            {
                Assert.True(!deadline.Passed && !first.HasExited, "the spread ended or stalled before it could be killed");
                await Task.Delay(10);
            }

            first.Kill();
            await first.WaitForExitAsync();
            Assert.True(await db.PersonalAccessTokens.CountAsync(t => t.ExpiresAt == expiringOn) > 0, "the spread finished before the kill");
        }
        finally
        {
            if (!first.HasExited)
            {
                first.Kill(entireProcessTree: true);
            }

            first.Dispose();
        }

        var rerun = await TokenwardProcess.RunAsync(null, spread);
        Assert.True(rerun.ExitCode == 0, rerun.Stderr);
        await using (var db = await AuditTrail.OpenAsync(database))
        {
            var after = await db.PersonalAccessTokens.ToDictionaryAsync(t => t.Id, t => t.ExpiresAt);
            Assert.All(ids, id => Assert.Equal(plan[id], after[id]));
            var changed = await db.AuditEvents.Where(e => e.EventName == "personal_access_token_expiry_changed").Select(e => e.TargetId).ToListAsync();
            Assert.Equal(Tokens, changed.Count);
            Assert.Equal(Tokens, changed.Distinct().Count());
        }

        await AuditTrail.AssertEveryEventShippedOnceAsync(database, Path.Combine(Dir, "log"));
    }

    private static string Text(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
