using System.Net;

namespace Dram.Wsgi;

/// <summary>
/// A connection feature set when a PROXY protocol header opened the connection. Its remote
/// endpoint is then the client the header named, so whether X-Forwarded-* headers are believed
/// is decided on the proxy that actually holds the socket, as Gunicorn does.
/// </summary>
public sealed class ProxiedConnection(IPAddress? proxyAddress)
{
    /// <summary>The socket peer that sent the header; null for a proxy on a unix socket.</summary>
    public IPAddress? ProxyAddress { get; } = proxyAddress;
}
