using System.Net;
using System.Net.Sockets;

namespace Dram.Tests.Infrastructure;

/// <summary>Whether anything listens on a loopback TCP port.</summary>
public static class PortState
{
    /// <summary>True when a connection to 127.0.0.1:<paramref name="port"/> is refused.</summary>
    public static async Task<bool> IsRefusedAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(5));
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return true;
        }
    }

    /// <summary>True when this process can itself listen on 127.0.0.1:<paramref name="port"/>.</summary>
    public static bool CanListen(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
