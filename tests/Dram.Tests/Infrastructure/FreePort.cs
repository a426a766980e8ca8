using System.Net;
using System.Net.Sockets;

namespace Dram.Tests.Infrastructure;

public static class FreePort
{
    // The kernel may hand the same free port to two binds in a row; a test asking for two ports
    // (nginx's HTTP and HTTPS) would then get one twice. No port is handed out twice in a run.
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago and that no earlier call returned.</summary>
    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (HandedOut)
            {
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
