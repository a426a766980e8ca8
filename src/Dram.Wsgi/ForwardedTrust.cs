using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Primitives;

namespace Dram.Wsgi;

/// <summary>
/// A list of peers believed when they speak for the client: <c>--forwarded-allow-ips</c> (whose
/// X-Forwarded-For and secure scheme headers count) and <c>--proxy-allow-from</c> (who may open a
/// connection with a PROXY protocol header). Anyone else keeps its socket's address and scheme, so
/// a client cannot claim to be 10.0.0.1 or to have used HTTPS.
/// </summary>
public sealed class ForwardedTrust
{
    /// <summary>
    /// The IPv4 entries as numbers, masked: an IPv4 peer (every request from nginx on 127.0.0.1
    /// asks) is checked with an AND and a comparison per entry.
    /// </summary>
    private (uint Network, uint Mask)[] _ipv4Networks = [];

    /// <summary>The IPv6 entries: 16 address bytes and the prefix length.</summary>
    private readonly List<(byte[] Network, int PrefixBits)> _ipv6Networks = [];

    private ForwardedTrust(bool all, bool unixSockets)
    {
        TrustsAll = all;
        TrustsUnixSockets = unixSockets;
    }

    public bool TrustsAll { get; }

    /// <summary>Peers on a unix socket (nginx on the same host) are trusted.</summary>
    public bool TrustsUnixSockets { get; }

    public static ForwardedTrust Nobody { get; } = new(false, false);

    /// <summary>
    /// Parses "127.0.0.1,::1,10.0.0.0/8,fd00::/8" or "*" (spaces around entries are allowed, so a
    /// list from a config file joined with ", " reads the same); throws <see cref="FormatException"/>
    /// naming the bad entry.
    /// </summary>
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
            if (!IPAddressText.TryParse(addressText, out var address))
            {
                throw new FormatException($"'{entry}' is not an IP address or CIDR network (e.g. 10.0.0.5, 10.0.0.0/8, fd00::/8 or *)");
            }
            var bytes = address.GetAddressBytes();
            var bits = bytes.Length * 8;
            if (slash >= 0 && (!IsDecimal(entry.AsSpan(slash + 1)) || !int.TryParse(entry.AsSpan(slash + 1), out bits) || bits > bytes.Length * 8))
            {
                throw new FormatException($"'{entry}' has an invalid prefix length (0 to {bytes.Length * 8} for an IPv{(bytes.Length == 4 ? 4 : 6)} network)");
            }
            if (bytes.Length == 4)
            {
                var mask = bits == 0 ? 0u : uint.MaxValue << (32 - bits);
                trust._ipv4Networks = [.. trust._ipv4Networks, (BinaryPrimitives.ReadUInt32BigEndian(bytes) & mask, mask)];
            }
            else
            {
                trust._ipv6Networks.Add((bytes, bits));
            }
        }
        return trust;
    }

    private static bool IsDecimal(ReadOnlySpan<char> text) => !text.IsEmpty && text.Length <= 3 && !text.ContainsAnyExceptInRange('0', '9');

    /// <summary>Whether a peer (null: a unix-socket peer) is believed.</summary>
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
        if (peer.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> v4 = stackalloc byte[4];
            if (!peer.TryWriteBytes(v4, out _))
            {
                return false;
            }
            var address = BinaryPrimitives.ReadUInt32BigEndian(v4);
            foreach (var (network, mask) in _ipv4Networks)
            {
                if ((address & mask) == network)
                {
                    return true;
                }
            }
            return false;
        }
        Span<byte> bytes = stackalloc byte[16];
        if (!peer.TryWriteBytes(bytes, out var length) || length != 16)
        {
            return false;
        }
        foreach (var (network, prefix) in _ipv6Networks)
        {
            if (PrefixMatches(network, bytes, prefix))
            {
                return true;
            }
        }
        return false;
    }

    public bool Trusts(string address) => IPAddress.TryParse(address, out var ip) && Trusts(ip);

    /// <summary>
    /// REMOTE_ADDR as the app sees it for a request from <paramref name="peer"/> (null: a unix-socket
    /// peer): the forwarded client when the peer is trusted, else the peer's own address, "" for a
    /// unix-socket peer without one.
    /// </summary>
    public string RemoteAddress(IPAddress? peer, StringValues forwardedFor)
    {
        if (Trusts(peer) && ForwardedFor.TryFindClient(forwardedFor, this, out var client, out _))
        {
            return (client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client).ToString();
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
