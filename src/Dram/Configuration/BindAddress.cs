using System.Globalization;
using System.Net;

namespace Dram.Configuration;

/// <summary>Where to listen, as written with <c>--bind</c>: TCP host and port, a unix socket path, or an inherited descriptor.</summary>
public sealed record BindAddress
{
    public const int DefaultPort = 8000;

    private BindAddress(string text)
    {
        Text = text;
    }

    /// <summary>The address as the user wrote it.</summary>
    public string Text { get; }

    public IPAddress? Address { get; private init; }

    /// <summary>True for "localhost": both loopback addresses.</summary>
    public bool IsLocalhost { get; private init; }

    public int Port { get; private init; }

    public string? UnixPath { get; private init; }

    public int? FileDescriptor { get; private init; }

    /// <summary>How the startup log shows it, e.g. http://127.0.0.1:8000 or unix:/run/app.sock.</summary>
    public string Display => UnixPath is not null ? $"unix:{UnixPath}"
        : FileDescriptor is not null ? $"fd://{FileDescriptor}"
        : $"http://{(IsLocalhost ? "localhost" : Address!.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Address}]" : Address!.ToString())}:{Port}";

    /// <summary>The same address with the port the system assigned when <see cref="Port"/> was 0.</summary>
    public BindAddress WithPort(int port) => this with { Port = port };

    public static string? Validate(string text)
    {
        try
        {
            Parse(text);
            return null;
        }
        catch (UsageException e)
        {
            return e.Message;
        }
    }

    public static BindAddress Parse(string text)
    {
        if (text.StartsWith("unix:", StringComparison.Ordinal))
        {
            var path = text[5..];
            if (path.StartsWith("//", StringComparison.Ordinal))
            {
                path = path[2..];
            }
            if (path.Length == 0)
            {
                throw new UsageException("a unix socket needs a path, e.g. unix:/run/mysite.sock");
            }
            return new BindAddress(text) { UnixPath = Path.GetFullPath(path) };
        }
        if (text.StartsWith("fd://", StringComparison.Ordinal))
        {
            if (!int.TryParse(text[5..], NumberStyles.None, CultureInfo.InvariantCulture, out var fd) || fd < 0)
            {
                throw new UsageException("an inherited socket is fd://N with N a descriptor number, e.g. fd://3");
            }
            return new BindAddress(text) { FileDescriptor = fd };
        }

        string host;
        string? portText = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0)
            {
                throw new UsageException("an IPv6 address is written in brackets, e.g. [::1]:8000");
            }
            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (!rest.StartsWith(':'))
                {
                    throw new UsageException("expected :PORT after the bracketed IPv6 address, e.g. [::1]:8000");
                }
                portText = rest[1..];
            }
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon >= 0 && text.IndexOf(':') != colon)
            {
                throw new UsageException("write IPv6 addresses in brackets, e.g. [::1]:8000");
            }
            host = colon < 0 ? text : text[..colon];
            portText = colon < 0 ? null : text[(colon + 1)..];
        }

        var port = DefaultPort;
        if (portText is not null && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535))
        {
            throw new UsageException($"'{portText}' is not a port number (0 to 65535)");
        }
        if (host.Length == 0)
        {
            host = "0.0.0.0";
        }
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new BindAddress(text) { IsLocalhost = true, Port = port };
        }
        if (!IPAddress.TryParse(host, out var address))
        {
            IPAddress[] resolved;
            try
            {
                resolved = Dns.GetHostAddresses(host);
            }
            catch (System.Net.Sockets.SocketException)
            {
                throw new UsageException($"cannot resolve host '{host}'; use an IP address such as 127.0.0.1 or 0.0.0.0");
            }
            address = resolved.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) ?? resolved.FirstOrDefault()
                ?? throw new UsageException($"host '{host}' has no address");
        }
        return new BindAddress(text) { Address = address, Port = port };
    }
}
