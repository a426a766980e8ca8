using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Primitives;

namespace Dram.Wsgi;

/// <summary>
/// <c>--forwarded-allow-ips</c>: the proxies whose <c>X-Forwarded-For</c> and
/// <c>X-Forwarded-Proto</c> are believed. A request from anyone else keeps its socket's address and
/// scheme, so a client cannot claim to be 10.0.0.1 or to have used HTTPS.
/// </summary>
public sealed class ForwardedTrust
{
    private readonly List<(byte[] Network, int PrefixBits)> _networks = [];

    private ForwardedTrust(bool all, bool unixSockets)
    {
        TrustsAll = all;
        TrustsUnixSockets = unixSockets;
    }

    public bool TrustsAll { get; }

    /// <summary>Peers on a unix socket (nginx on the same host) are trusted.</summary>
    public bool TrustsUnixSockets { get; }

    public static ForwardedTrust Nobody { get; } = new(false, false);

    /// <summary>Parses "127.0.0.1,::1,10.0.0.0/8" or "*"; throws <see cref="FormatException"/> naming the bad entry.</summary>
    public static ForwardedTrust Parse(string list, bool trustUnixSockets)
    {
        var entries = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (entries.Contains("*"))
        {
            return new ForwardedTrust(true, true);
        }
        var trust = new ForwardedTrust(false, trustUnixSockets);
        foreach (var entry in entries)
        {
            var slash = entry.IndexOf('/');
            var addressText = slash < 0 ? entry : entry[..slash];
            if (!IPAddress.TryParse(addressText, out var address))
            {
                throw new FormatException($"'{entry}' is not an IP address or CIDR network (e.g. 10.0.0.0/8)");
            }
            var bytes = address.GetAddressBytes();
            var bits = bytes.Length * 8;
            if (slash >= 0 && (!int.TryParse(entry[(slash + 1)..], out bits) || bits < 0 || bits > bytes.Length * 8))
            {
                throw new FormatException($"'{entry}' has an invalid prefix length");
            }
            trust._networks.Add((bytes, bits));
        }
        return trust;
    }

    /// <summary>Whether a peer (null: a unix-socket peer) may set forwarded headers.</summary>
    public bool Trusts(IPAddress? peer)
    {
        if (TrustsAll)
        {
            return true;
        }
        if (peer is null)
        {
            return TrustsUnixSockets;
        }
        if (peer.IsIPv4MappedToIPv6)
        {
            peer = peer.MapToIPv4();
        }
        Span<byte> bytes = stackalloc byte[16];
        if (!peer.TryWriteBytes(bytes, out var length))
        {
            return false;
        }
        foreach (var (network, prefix) in _networks)
        {
            if (network.Length == length && PrefixMatches(network, bytes[..length], prefix))
            {
                return true;
            }
        }
        return false;
    }

    public bool Trusts(string address) => IPAddress.TryParse(address, out var ip) && Trusts(ip);

    /// <summary>
    /// The client address in a trusted proxy's X-Forwarded-For: the rightmost entry that is not
    /// itself a trusted proxy (entries left of it could have been written by the client). Null
    /// when the header is empty or an entry is not an address.
    /// </summary>
    public string? ForwardedClient(StringValues forwardedFor)
    {
        if (forwardedFor.Count == 0)
        {
            return null;
        }
        var entries = string.Join(',', (IEnumerable<string?>)forwardedFor).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = entries.Length - 1; i >= 0; i--)
        {
            if (!IPAddress.TryParse(entries[i], out var address))
            {
                return null;
            }
            if (i == 0 || !Trusts(address))
            {
                return address.ToString();
            }
        }
        return null;
    }

    /// <summary>
    /// REMOTE_ADDR as the app sees it for a request from <paramref name="peer"/> (null: a unix-socket
    /// peer): the forwarded client when the peer is trusted, else the peer's own address, "" for a
    /// unix-socket peer without one.
    /// </summary>
    public string RemoteAddress(IPAddress? peer, StringValues forwardedFor)
    {
        if (Trusts(peer) && ForwardedClient(forwardedFor) is { } client)
        {
            return client;
        }
        if (IsUnixPeer(peer))
        {
            return "";
        }
        return (peer!.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer).ToString();
    }

    private static bool PrefixMatches(ReadOnlySpan<byte> network, ReadOnlySpan<byte> address, int bits)
    {
        var whole = bits / 8;
        if (!network[..whole].SequenceEqual(address[..whole]))
        {
            return false;
        }
        var rest = bits % 8;
        if (rest == 0)
        {
            return true;
        }
        var mask = (byte)(0xFF << (8 - rest));
        return (network[whole] & mask) == (address[whole] & mask);
    }

    /// <summary>True for a unix-domain socket endpoint's missing IP.</summary>
    public static bool IsUnixPeer(IPAddress? address) => address is null || address.AddressFamily == AddressFamily.Unix;
}
