using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Dram.Configuration;

/// <summary>
/// The StatsD server of <c>--statsd-host HOST:PORT</c>, resolved once at start-up: metrics go out
/// as UDP datagrams, so a name that does not resolve would otherwise fail silently forever.
/// </summary>
public static class StatsdAddress
{
    public static IPEndPoint Parse(string text)
    {
        string host;
        string portText;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf("]:", StringComparison.Ordinal);
            if (close < 0)
            {
                throw new UsageException("expected [IPv6]:PORT, e.g. [::1]:8125");
            }
            host = text[1..close];
            portText = text[(close + 2)..];
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon < 0 || text.IndexOf(':') != colon)
            {
                throw new UsageException("expected HOST:PORT, e.g. 127.0.0.1:8125 (IPv6 in brackets: [::1]:8125)");
            }
            host = text[..colon];
            portText = text[(colon + 1)..];
        }
        if (host.Length == 0)
        {
            throw new UsageException("the host is missing; expected HOST:PORT, e.g. 127.0.0.1:8125");
        }
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new UsageException($"'{portText}' is not a port number (1 to 65535); StatsD usually listens on 8125");
        }
        if (IPAddress.TryParse(host, out var address))
        {
            return new IPEndPoint(address, port);
        }
        IPAddress[] resolved;
        try
        {
            resolved = Dns.GetHostAddresses(host);
        }
        catch (SocketException)
        {
            throw new UsageException($"cannot resolve host '{host}'; use an IP address such as 127.0.0.1");
        }
        var chosen = Array.Find(resolved, a => a.AddressFamily == AddressFamily.InterNetwork) ?? (resolved.Length > 0 ? resolved[0] : null)
            ?? throw new UsageException($"host '{host}' has no address; use an IP address such as 127.0.0.1");
        return new IPEndPoint(chosen, port);
    }
}
