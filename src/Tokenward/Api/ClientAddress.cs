using System.Net;

namespace Tokenward.Api;

/// <summary>The client's address as the ban counts it and the logs and audit show it: IPv4 as IPv4, not IPv6-mapped.</summary>
public static class ClientAddress
{
    public static IPAddress? Of(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } remote && remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : context.Connection.RemoteIpAddress;
}
