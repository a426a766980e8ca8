using System.Net;

namespace Dram.Wsgi;

/// <summary>
/// What an environ prototype was built for (<see cref="EnvironBuilder"/>): the request line's
/// method, target and protocol, the Host header, the socket's peer and whether the connection is
/// TLS. Requests that agree on all of them get the same REQUEST_METHOD, RAW_URI, PATH_INFO,
/// QUERY_STRING, SERVER_PROTOCOL, HTTP_HOST, SERVER_NAME, SERVER_PORT and REMOTE_ADDR before any
/// proxy header is applied.
/// </summary>
internal readonly struct EnvironPrototypeKey(string method, string target, string protocol, string host, IPAddress? peer, bool https)
{
    public string Method { get; } = method;
    public string Target { get; } = target;
    public string Protocol { get; } = protocol;
    public string Host { get; } = host;
    public IPAddress? Peer { get; } = peer;
    public bool Https { get; } = https;

    /// <summary>Method and protocol are usually the same string objects (Kestrel's constants), so they are compared by reference first.</summary>
    public bool Matches(in EnvironPrototypeKey other) =>
        Https == other.Https
        && string.Equals(Target, other.Target, StringComparison.Ordinal)
        && string.Equals(Host, other.Host, StringComparison.Ordinal)
        && (ReferenceEquals(Method, other.Method) || string.Equals(Method, other.Method, StringComparison.Ordinal))
        && (ReferenceEquals(Protocol, other.Protocol) || string.Equals(Protocol, other.Protocol, StringComparison.Ordinal))
        && (ReferenceEquals(Peer, other.Peer) || (Peer is not null && Peer.Equals(other.Peer)));
}
