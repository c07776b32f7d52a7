using System.Text.Json.Nodes;
using Tokenward.ApiLog;
using Tokenward.Audit;

namespace Tokenward.Hosting.Health;

/// <summary>
/// GitLab's probes, with GitLab's JSON: <c>/-/liveness</c> (the process answers) and
/// <c>/-/readiness</c> (started; with <c>?all=1</c> also the database, the log writers and Redis,
/// each listed), 503 when not ready (a Redis away is listed as failed but is no reason). Like GitLab's, they answer only the monitoring allowlist (loopback
/// by default); anyone else gets a 404. <c>/-/health</c> stays the plain "Tokenward OK".
/// </summary>
public static class HealthEndpoints
{
    /// <summary>A probe that waits longer than this for the database says it failed.</summary>
    public static readonly TimeSpan DatabaseTimeout = TimeSpan.FromSeconds(3);

    private const string RedisCheck = "redis_check";

    public static void Map(WebApplication app)
    {
        app.MapGet("/-/liveness", (HttpContext c) => Allowed(c) ? Results.Json(Ok()) : Results.NotFound()).ExcludeFromDescription();
        app.MapGet("/-/readiness", ReadinessAsync).ExcludeFromDescription();
    }

    private static async Task<IResult> ReadinessAsync(HttpContext context, TokenwardSettings settings, ApiJsonLog apiLog, AuditShipper audit, Cluster.RedisLink redis)
    {
        if (!Allowed(context))
        {
            return Results.NotFound();
        }

        // GitLab's master check: the application itself is up. Before its start is done the
        // StartupGate answers every path 503, this one too, so here it always is.
        var checks = new List<(string Name, string? Failure)> { ("master_check", null) };
        if (context.Request.Query["all"] is { Count: > 0 } all && all[0] is "1" or "true")
        {
            checks.Add(("db_check", await DatabaseAsync(settings, context.RequestAborted)));
            checks.Add(("api_log_check", apiLog.Failing ? $"cannot write {apiLog.Path}" : null));
            checks.Add(("audit_log_check", audit.Failing ? "cannot write the audit log; events wait in the database" : null));
            if (redis.Configured)
            {
                checks.Add((RedisCheck, redis.Connected ? null
                    : $"cannot reach {settings.Redis!.Describe()}: bans are counted by each node and token changes reach the others through their cache's expiry"));
            }
        }

        // Without Redis a node still serves (degraded), so its check is reported but does not
        // take the node out: Redis going away would otherwise take every node out at once.
        var ready = checks.All(c => c.Failure is null || c.Name == RedisCheck);
        var body = new JsonObject { ["status"] = ready ? "ok" : "failed" };
        foreach (var (name, failure) in checks)
        {
            var check = new JsonObject { ["status"] = failure is null ? "ok" : "failed" };
            if (failure is not null)
            {
                check["message"] = failure;
            }

            body[name] = new JsonArray(check);
        }

        return Results.Json(body, statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private static JsonObject Ok() => new() { ["status"] = "ok" };

    /// <summary>Whether the client may read the probes and metrics (the monitoring allowlist).</summary>
    public static bool Allowed(HttpContext context)
    {
        var address = Api.ClientAddress.Of(context);
        return address is not null && context.RequestServices.GetRequiredService<TokenwardSettings>().MonitoringAllowlist.Any(n => n.Contains(address));
    }

    /// <returns>null when the database answers a trivial query in time, else why not.</returns>
    private static async Task<string?> DatabaseAsync(TokenwardSettings settings, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(DatabaseTimeout);
        try
        {
            await using var connection = await settings.Database.OpenAsync(timeout.Token);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(timeout.Token);
            return null;
        }
        catch (Exception e) when (e is OperationCanceledException && !ct.IsCancellationRequested)
        {
            return $"no answer within {DatabaseTimeout.TotalSeconds:0} s";
        }
        catch (Exception e) when (Storage.DatabaseUnavailable.Is(e))
        {
            return e.Message;
        }
    }
}
