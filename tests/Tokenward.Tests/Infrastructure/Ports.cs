using System.Net;
using System.Net.Sockets;

namespace Tokenward.Tests.Infrastructure;

public static class Ports
{
    /// <summary>A loopback port free right now (the OS's pick), for a server a test starts.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
