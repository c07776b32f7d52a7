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

    public static async Task AssertEveryEventShippedOnceAsync(DatabaseTarget database, string logDir)
    {
        await using var db = await OpenAsync(database);
        var ids = await db.AuditEvents.Select(e => e.Id).OrderBy(id => id).ToListAsync();
        var lines = await File.ReadAllLinesAsync(Path.Combine(logDir, Audit.AuditShipper.FileName));
        var shipped = new List<long>(lines.Length);
        foreach (var line in lines)
        {
            var json = JsonNode.Parse(line) ?? throw new Xunit.Sdk.XunitException($"an empty line in audit_json.log");
            shipped.Add((long)json["id"]!);
        }

        var twice = shipped.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).Take(10).ToList();
        Assert.True(twice.Count == 0, $"events written more than once: {string.Join(", ", twice)}");
        var missing = ids.Except(shipped).Take(10).ToList();
        Assert.True(missing.Count == 0, $"{ids.Count - shipped.Count} committed event(s) missing from audit_json.log, e.g. {string.Join(", ", missing)}");
        Assert.Equal(ids, shipped);
    }
}
