using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Tokenward.Storage;

namespace Tokenward.Tests.Faults;

/// <summary>Compares <c>audit_events</c> with <c>audit_json.log</c>: every event's line there exactly once, every line whole.</summary>
public static class AuditTrail
{
    /// <summary>A context of its own on the database, as another process would see it.</summary>
    public static async Task<TokenwardDb> OpenAsync(DatabaseTarget database)
    {
        var options = new DbContextOptionsBuilder<TokenwardDb>();
        TokenwardDb.Configure(options, database);
        var db = new TokenwardDb(options.Options);
        await db.Database.OpenConnectionAsync();
        return db;
    }

    /// <summary>Across the files of several nodes when given several folders: each event in one of them, once.</summary>
    public static async Task AssertEveryEventShippedOnceAsync(DatabaseTarget database, params string[] logDirs)
    {
        await using var db = await OpenAsync(database);
        var ids = await db.AuditEvents.Select(e => e.Id).OrderBy(id => id).ToListAsync();
        var shipped = new List<long>();
        foreach (var logDir in logDirs)
        {
            var file = ShippedIds(logDir);
            Assert.True(file.SequenceEqual(file.Order()), $"{logDir}/audit_json.log is not in id order");
            shipped.AddRange(file);
        }

        shipped.Sort();

        var twice = shipped.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).Take(10).ToList();
        Assert.True(twice.Count == 0, $"events written more than once: {string.Join(", ", twice)}");
        var missing = ids.Except(shipped).Take(10).ToList();
        Assert.True(missing.Count == 0, $"{ids.Count - shipped.Count} committed event(s) missing from audit_json.log, e.g. {string.Join(", ", missing)}");
        Assert.Equal(ids, shipped);
    }

    /// <summary>The event ids of a folder's <c>audit_json.log</c>, in file order; none when there is no file.</summary>
    public static List<long> ShippedIds(string logDir)
    {
        var path = Path.Combine(logDir, Audit.AuditShipper.FileName);
        var shipped = new List<long>();
        if (File.Exists(path))
        {
            foreach (var line in File.ReadAllLines(path))
            {
                var json = JsonNode.Parse(line) ?? throw new Xunit.Sdk.XunitException("an empty line in audit_json.log");
                shipped.Add((long)json["id"]!);
            }
        }

        return shipped;
    }
}
