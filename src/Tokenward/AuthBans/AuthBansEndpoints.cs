using System.Net;
using Microsoft.AspNetCore.Http.HttpResults;
using Tokenward.Api;

namespace Tokenward.AuthBans;

/// <summary>Admin view of the failed-authentication bans of this server: list them, lift one.</summary>
public static class AuthBansEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var bans = api.MapGroup("/admin/auth_bans").WithTags("Failed-authentication bans");
        bans.MapGet("/", List).AdminOnly(ApiAccess.Read).WithSummary("Addresses banned for failed authentications (admin)");
        bans.MapDelete("/{ip}", Lift).AdminOnly(ApiAccess.Write).WithSummary("Lift the ban on an address (admin)");
    }

    private static Ok<IEnumerable<BanJson>> List(FailedAuthBans bans) =>
        TypedResults.Ok(bans.ActiveBans().Select(b => new BanJson(b.Address.ToString(), b.BannedAt.UtcDateTime, b.Until.UtcDateTime, b.Failures)));

    private static NoContent Lift(string ip, FailedAuthBans bans)
    {
        if (!IPAddress.TryParse(Uri.UnescapeDataString(ip), out var address))
        {
            throw ApiException.InvalidParameter("ip is invalid");
        }

        return bans.Lift(address) ? TypedResults.NoContent() : throw ApiException.NotFound("Ban");
    }

    public sealed record BanJson(string Ip, DateTime BannedAt, DateTime ExpiresAt, int Failures);
}
