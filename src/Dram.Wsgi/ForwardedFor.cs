using System.Globalization;
using System.Net;
using Microsoft.Extensions.Primitives;

namespace Dram.Wsgi;

/// <summary>
/// The client address a trusted proxy wrote into X-Forwarded-For: the rightmost entry that is not
/// itself a trusted proxy, since everything left of it could have been written by the client.
/// Entries are <c>203.0.113.7</c>, <c>2001:db8::7</c>, or with the client's port
/// <c>203.0.113.7:51234</c>, <c>[2001:db8::7]:51234</c>.
/// </summary>
internal static class ForwardedFor
{
    /// <summary>
    /// False when the header names nobody usable (absent, empty, or an entry that is not an address
    /// such as <c>unknown</c>): the socket's peer then stands. <paramref name="port"/> is -1 when
    /// the entry carries none.
    /// </summary>
    public static bool TryFindClient(StringValues values, ForwardedTrust trust, out IPAddress client, out int port)
    {
        client = IPAddress.None;
        port = -1;
        var found = false;
        for (var v = values.Count - 1; v >= 0; v--)
        {
            var text = (values[v] ?? "").AsSpan();
            var end = text.Length;
            while (end >= 0)
            {
                var comma = text[..end].LastIndexOf(',');
                var entry = text[(comma + 1)..end].Trim(" \t");
                if (!TryParseEntry(entry, out client, out port))
                {
                    return false;
                }
                found = true;
                if (!trust.Trusts(client))
                {
                    return true;
                }
                end = comma;
                if (comma < 0)
                {
                    break;
                }
            }
        }
        // Every entry was a trusted proxy: the leftmost is the closest thing to a client there is.
        return found;
    }

    private static bool TryParseEntry(ReadOnlySpan<char> entry, out IPAddress address, out int port)
    {
        port = -1;
        address = IPAddress.None;
        if (entry.StartsWith('['))
        {
            var close = entry.IndexOf(']');
            if (close < 0 || !IPAddressText.TryParse(entry[1..close], out address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return false;
            }
            var rest = entry[(close + 1)..];
            return rest.IsEmpty || (rest[0] == ':' && TryParsePort(rest[1..], out port));
        }
        var colon = entry.IndexOf(':');
        if (colon >= 0 && entry.LastIndexOf(':') == colon)
        {
            // One colon: IPv4 with a port (an IPv6 address has at least two).
            return IPAddressText.TryParse(entry[..colon], out address) && TryParsePort(entry[(colon + 1)..], out port);
        }
        return IPAddressText.TryParse(entry, out address);
    }

    private static bool TryParsePort(ReadOnlySpan<char> text, out int port)
    {
        port = -1;
        return text.Length is > 0 and <= 5 && !text.ContainsAnyExceptInRange('0', '9')
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535;
    }
}
