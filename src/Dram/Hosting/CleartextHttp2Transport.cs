using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Dram.Hosting;

/// <summary>
/// Dram's transport (StreamTransport), plus HTTP/1.1 and h2c (HTTP/2 with prior knowledge) on one cleartext
/// socket. Kestrel picks a connection's protocol per endpoint, and without TLS there is no ALPN to
/// tell them apart, so an endpoint configured for both speaks only HTTP/1.1. Here each socket gets
/// two endpoints, one per protocol, and a <see cref="Http2PrefaceRouter"/> that accepts on the
/// socket and hands every connection to the endpoint its opening bytes match.
/// </summary>
internal sealed class CleartextHttp2Transport(IConnectionListenerFactory sockets, TimeSpan firstBytesTimeout) : IConnectionListenerFactory
{
    private readonly Dictionary<int, Http2PrefaceRouter> _routers = [];

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not CleartextHttp2EndPoint cleartext)
        {
            return await sockets.BindAsync(endpoint, cancellationToken);
        }
        Http2PrefaceRouter? router;
        lock (_routers)
        {
            if (!_routers.TryGetValue(cleartext.Descriptor, out router))
            {
                _routers[cleartext.Descriptor] = router = new Http2PrefaceRouter(cleartext.Descriptor, firstBytesTimeout);
            }
        }
        await router.StartAsync(sockets, cancellationToken);
        return router.ListenerFor(cleartext);
    }
}
