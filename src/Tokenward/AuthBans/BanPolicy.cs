using System.Net;

namespace Tokenward.AuthBans;

/// <summary>
/// When a client address is banned for failed authentications. Defaults are GitLab.com's: 300
/// failures within 60 seconds ban the address for 15 minutes. Allowlisted addresses are never banned.
/// </summary>
public sealed record BanPolicy
{
    public bool Enabled { get; init; } = Hosting.SettingsCatalog.AuthBanEnabled.Default;

    public int MaxFailures { get; init; } = Hosting.SettingsCatalog.AuthBanMaxFailures.Default;

    public TimeSpan FindTime { get; init; } = Hosting.SettingsCatalog.AuthBanFindTime.Default;

    public TimeSpan BanTime { get; init; } = Hosting.SettingsCatalog.AuthBanBanTime.Default;

    /// <summary>Addresses and networks never banned (GitLab's <c>ip_whitelist</c>, loopback by default).</summary>
    public IReadOnlyList<IPNetwork> Allowlist { get; init; } = Hosting.SettingsCatalog.AuthBanAllowlist.Default;

    public bool IsAllowlisted(IPAddress address) => Allowlist.Any(n => n.Contains(address));

    /// <summary>Parses <c>10.0.0.0/8, 192.0.2.7, ::1</c>: addresses and CIDR networks, comma-separated.</summary>
    /// <exception cref="FormatException">naming the entry that is neither.</exception>
    public static IReadOnlyList<IPNetwork> ParseNetworks(string list) => list
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(entry => entry.Contains('/', StringComparison.Ordinal)
            ? IPNetwork.TryParse(entry, out var network) ? network : throw new FormatException($"'{entry}' is not an IP network (CIDR)")
            : IPAddress.TryParse(entry, out var address) ? new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
            : throw new FormatException($"'{entry}' is not an IP address"))
        .ToList();
}
