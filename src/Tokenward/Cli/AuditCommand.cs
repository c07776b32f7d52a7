using System.CommandLine;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Tokenward.Audit;
using Tokenward.Storage;
using Tokenward.Toolkit;

namespace Tokenward.Cli;

/// <summary><c>tokenward audit list</c>: audit events from the database, newest first, with GitLab's filters; <c>audit ship</c>: them to audit_json.log.</summary>
public static class AuditCommand
{
    public static Command Create()
    {
        var after = new Option<string?>("--created-after") { Description = $"Only events at or after this time: {ToolkitOptions.TimeFormats}" };
        var before = new Option<string?>("--created-before") { Description = $"Only events at or before this time: {ToolkitOptions.TimeFormats}" };
        var entityType = new Option<string?>("--entity-type") { Description = "User, Project, Group or Instance" };
        entityType.AcceptOnlyFromAmong("User", "Project", "Group", "Instance");
        var entityId = new Option<long?>("--entity-id") { Description = "The entity's id" };
        var limit = new Option<int>("--limit") { Description = "At most this many events", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "List audit events, newest first") { after, before, entityType, entityId, limit, GlobalOptions.Format };
        list.SetAction(async (result, ct) =>
        {
            var format = GlobalOptions.FormatWithoutLines(result);
            var now = TimeProvider.System.GetUtcNow();
            var filter = new AuditFilter(
                result.GetValue(after) is { } a ? ToolkitOptions.Time("--created-after", a, now) : null,
                result.GetValue(before) is { } b ? ToolkitOptions.Time("--created-before", b, now) : null,
                result.GetValue(entityType),
                result.GetValue(entityId));
            await using var services = await CliServices.StartAsync(GlobalOptions.Settings(result), ct);
            var events = await AuditEventsEndpoints.Filter(services.Get<TokenwardDb>().AuditEvents, filter)
                .Take(Math.Clamp(result.GetValue(limit), 1, 10_000)).ToListAsync(ct);
            if (format == ReportFormat.Json)
            {
                await Console.Out.WriteLineAsync(new System.Text.Json.Nodes.JsonArray(events.Select(e => (System.Text.Json.Nodes.JsonNode)AuditLog.Json(e)).ToArray()).ToJsonString());
                return 0;
            }

            await CliTable.WriteAsync(Console.Out, format, ["TIME (UTC)", "EVENT", "ENTITY", "TARGET", "AUTHOR"], events.Select(e => new[]
            {
                e.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                e.EventName,
                $"{e.EntityType}/{e.EntityId}",
                e.TargetType is null ? null : $"{e.TargetType}/{e.TargetId}",
                e.AuthorName,
            }));
            return 0;
        });
        return new Command("audit", "Audit events") { list, Ship() };
    }

    /// <summary>
    /// <c>tokenward audit ship [--from-id N]</c>: writes committed events not yet in audit_json.log
    /// (every process does this on its own; this is for an operator), or from id N on again.
    /// </summary>
    private static Command Ship()
    {
        var fromId = new Option<long?>("--from-id") { Description = "Write the events from this id on again (their lines are appended a second time)" };
        var ship = new Command("ship", "Write committed audit events to audit_json.log") { fromId };
        ship.SetAction(async (result, ct) =>
        {
            if (result.GetValue(fromId) is < 1)
            {
                throw new CliException("--from-id must be a positive event id");
            }

            await using var services = await CliServices.StartAsync(GlobalOptions.Settings(result), shipAudit: false, ct);
            var shipper = services.Get<AuditShipper>();
            var written = await shipper.ShipAsync(result.GetValue(fromId), ct)
                ?? throw new CliException($"another tokenward process ({(await shipper.CurrentAsync(ct))?.Shipper ?? "holding " + shipper.Path + ".lock"}) is writing the audit log now; it writes these events too");
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Wrote {written} audit event line(s) to {shipper.Path}."));
            return 0;
        });
        return ship;
    }
}
