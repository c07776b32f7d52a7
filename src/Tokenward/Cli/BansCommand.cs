using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Tokenward.Api;
using Tokenward.AuthBans;
using Tokenward.Toolkit;

namespace Tokenward.Cli;

/// <summary><c>tokenward bans list|lift</c>: the failed-authentication bans of a running server, through its admin API.</summary>
public static class BansCommand
{
    public static Command Create()
    {
        var list = new Command("list", "List addresses banned for failed authentications") { RemoteOptions.Url, RemoteOptions.Token, GlobalOptions.Format };
        list.SetAction(async (result, ct) =>
        {
            using var client = RemoteOptions.Client(result);
            using var response = await client.GetAsync(new Uri("api/v4/admin/auth_bans", UriKind.Relative), ct);
            await RemoteOptions.EnsureSuccessAsync(response, ct);
            var format = GlobalOptions.FormatWithoutLines(result);
            var json = await response.Content.ReadAsStringAsync(ct);
            if (format == ReportFormat.Json)
            {
                await Console.Out.WriteLineAsync(json);
                return 0;
            }

            var options = new JsonSerializerOptions();
            GitLabJson.Configure(options);
            var bans = JsonSerializer.Deserialize<List<AuthBansEndpoints.BanJson>>(json, options) ?? [];
            if (bans.Count == 0 && format == ReportFormat.Table)
            {
                await Console.Out.WriteLineAsync("No address is banned.");
                return 0;
            }

            await CliTable.WriteAsync(Console.Out, format, ["IP", "BANNED AT (UTC)", "UNTIL (UTC)", "FAILURES"], bans.Select(b => new[]
            {
                b.Ip,
                b.BannedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                b.ExpiresAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                b.Failures.ToString(CultureInfo.InvariantCulture),
            }));
            return 0;
        });

        var ip = new Argument<string>("IP") { Description = "The banned address" };
        var lift = new Command("lift", "Lift the ban on an address") { ip, RemoteOptions.Url, RemoteOptions.Token };
        lift.SetAction(async (result, ct) =>
        {
            using var client = RemoteOptions.Client(result);
            var address = result.GetValue(ip)!;
            using var response = await client.DeleteAsync(new Uri("api/v4/admin/auth_bans/" + Uri.EscapeDataString(address), UriKind.Relative), ct);
            await RemoteOptions.EnsureSuccessAsync(response, ct);
            await Console.Out.WriteLineAsync($"Lifted the ban on {address}.");
            return 0;
        });

        return new Command("bans", "Failed-authentication bans of a running server (through its admin API)") { list, lift };
    }
}
