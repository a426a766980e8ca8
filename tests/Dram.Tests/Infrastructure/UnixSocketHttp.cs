using System.Net.Sockets;

namespace Dram.Tests.Infrastructure;

/// <summary>An HttpClient whose every connection goes to one unix domain socket.</summary>
public static class UnixSocketHttp
{
    /// <summary>A client for <c>http://localhost/...</c> URLs that connects to <paramref name="socketPath"/>.</summary>
    public static HttpClient CreateClient(string socketPath)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri("http://localhost"), Timeout = TimeSpan.FromSeconds(30) };
    }
}
