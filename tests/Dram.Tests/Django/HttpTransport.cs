using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Dram.Tests.Django;

/// <summary>How a test's HTTP client reaches a server: a unix socket, or TCP from a chosen loopback address.</summary>
public static class HttpTransport
{
    /// <summary>Connects every request to the unix socket at <paramref name="path"/>, whatever the URL says.</summary>
    public static SocketsHttpHandler UnixSocket(string path) => NewHandler(async (_, token) =>
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), token);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    });

    /// <summary>
    /// TCP connections whose source address is <paramref name="source"/> (any 127.0.0.0/8 address
    /// works on Linux loopback), so the server sees a client that is not 127.0.0.1. For https URLs
    /// the server must present <paramref name="certificate"/>.
    /// </summary>
    public static SocketsHttpHandler FromAddress(IPAddress source, X509Certificate2? certificate = null)
    {
        var handler = NewHandler(async (context, token) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, token);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        });
        if (certificate is not null)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                // The test made this self-signed certificate: it is the only one accepted.
                RemoteCertificateValidationCallback = (_, presented, _, _) =>
                    presented is not null && presented.GetCertHashString() == certificate.GetCertHashString(),
            };
        }
        return handler;
    }

    private static SocketsHttpHandler NewHandler(Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> connect) => new()
    {
        ConnectCallback = connect,
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    };
}
