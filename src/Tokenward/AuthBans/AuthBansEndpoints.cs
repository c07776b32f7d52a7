using System.Net;
using Microsoft.AspNetCore.Http.HttpResults;
using Tokenward.Api;

namespace Tokenward.AuthBans;

/// <summary>Admin view of the failed-authentication bans (every node's, with Redis): list them, lift one.</summary>
public static class AuthBansEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var bans = api.MapGroup("/admin/auth_bans").WithTags("Failed-authentication bans");
        bans.MapGet("/", List).AdminOnly(ApiAccess.Read).WithSummary("Addresses banned for failed authentications (admin)");
        bans.MapDelete("/{ip}", Lift).AdminOnly(ApiAccess.Write).WithSummary("Lift the ban on an address (admin)");
    }

    private static async Task<Ok<IEnumerable<BanJson>>> List(FailedAuthBans bans) =>
        TypedResults.Ok((await bans.ActiveBansAsync()).Select(b => new BanJson(b.Address.ToString(), b.BannedAt.UtcDateTime, b.Until.UtcDateTime, b.Failures)));

    private static async Task<NoContent> Lift(string ip, FailedAuthBans bans, Audit.AuditLog audit, Audit.ActorContext actor, HttpContext context)
    {
        if (!IPAddress.TryParse(Uri.UnescapeDataString(ip), out var address))
        {
            throw ApiException.InvalidParameter("ip is invalid");
        }

        return await LiftAsync(bans, audit, actor.Current, address, context.RequestAborted) ? TypedResults.NoContent() : throw ApiException.NotFound("Ban");
    }

    /// <summary>Lifts the ban on an address, audited; the API and the web UI's dashboard both lift through here.</summary>
    /// <returns>false when the address is not banned.</returns>
    public static async Task<bool> LiftAsync(FailedAuthBans bans, Audit.AuditLog audit, Audit.Actor actor, IPAddress address, CancellationToken ct)
    {
        if ((await bans.ActiveBansAsync()).FirstOrDefault(b => b.Address.Equals(address)) is not { } ban)
        {
            return false;
        }

        // The event is the only record of who lifted the ban, so it is written first: if it
        // cannot be, the ban stays.
        await audit.RecordAsync(actor, "Instance", 0, "auth_ban_lifted", null, null,
            new { ip = address.ToString(), banned_at = ban.BannedAt.UtcDateTime, until = ban.Until.UtcDateTime, ban.Failures }, ct);
        await bans.LiftAsync(address);
        return true;
    }

    public sealed record BanJson(string Ip, DateTime BannedAt, DateTime ExpiresAt, int Failures);
}
