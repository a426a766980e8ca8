using System.Net;

namespace Dram.Hosting;

/// <summary>
/// One of the two Kestrel endpoints sharing a cleartext listening socket under --http2-cleartext:
/// the HTTP/1.1 one or the h2c one. <see cref="CleartextHttp2Transport"/> accepts on the socket
/// and hands each connection to the endpoint its first bytes belong to.
/// </summary>
internal sealed class CleartextHttp2EndPoint(int descriptor, bool http2) : EndPoint
{
    public int Descriptor { get; } = descriptor;

    /// <summary>True for the endpoint that receives connections opening with the HTTP/2 preface.</summary>
    public bool Http2 { get; } = http2;

    public override string ToString() => $"fd://{Descriptor} ({(Http2 ? "h2c" : "HTTP/1.1")})";
}
