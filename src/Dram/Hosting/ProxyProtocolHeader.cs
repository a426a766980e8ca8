using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Dram.Wsgi;

namespace Dram.Hosting;

internal enum ProxyHeaderStatus
{
    /// <summary>The bytes so far are a valid beginning; more are needed.</summary>
    Incomplete,
    Complete,
    Invalid,
}

/// <summary>
/// A parsed PROXY protocol header: how many bytes it took, and the client it names, or null when
/// the socket's peer stands (v1 UNKNOWN, v2 LOCAL, and address families other than TCP over IPv4
/// or IPv6, which the specification lets a receiver treat as UNSPEC).
/// </summary>
internal readonly record struct ProxyHeader(int Length, IPEndPoint? Client, string Kind);

/// <summary>
/// Reads the PROXY protocol header (HAProxy's specification, versions 1 and 2) at the start of a
/// connection. It never looks past what the header may take: a v1 line is at most 107 bytes with
/// its CRLF, a v2 header 16 bytes plus the length it declares (at most 65535), so a peer that sends
/// anything else is refused without buffering more of it. v2 TLVs are skipped unread.
/// </summary>
internal static class ProxyProtocolHeader
{
    /// <summary>The longest v1 line the specification allows, CRLF included.</summary>
    public const int MaxV1Length = 107;

    private const int V2FixedLength = 16;

    private static ReadOnlySpan<byte> V1Signature => "PROXY "u8;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static ProxyHeaderStatus TryParse(in ReadOnlySequence<byte> buffer, out ProxyHeader header, out string problem)
    {
        header = default;
        problem = "";
        Span<byte> start = stackalloc byte[MaxV1Length];
        var head = start[..(int)Math.Min(buffer.Length, MaxV1Length)];
        buffer.Slice(0, head.Length).CopyTo(head);
        if (head.IsEmpty)
        {
            return ProxyHeaderStatus.Incomplete;
        }
        if (BeginsLike(head, V1Signature))
        {
            return head.Length < V1Signature.Length ? ProxyHeaderStatus.Incomplete : ParseV1(head, out header, out problem);
        }
        if (BeginsLike(head, V2Signature))
        {
            return head.Length < V2FixedLength ? ProxyHeaderStatus.Incomplete : ParseV2(buffer, head, out header, out problem);
        }
        problem = $"the connection did not start with a PROXY protocol header (it began with {Printable(head)})";
        return ProxyHeaderStatus.Invalid;
    }

    /// <summary>True when the bytes so far agree with <paramref name="signature"/> (or its beginning).</summary>
    private static bool BeginsLike(ReadOnlySpan<byte> head, ReadOnlySpan<byte> signature)
    {
        var n = Math.Min(head.Length, signature.Length);
        return head[..n].SequenceEqual(signature[..n]);
    }

    /// <summary>"PROXY TCP4 203.0.113.7 10.0.0.1 51234 443\r\n", "PROXY TCP6 ...", "PROXY UNKNOWN ...\r\n".</summary>
    private static ProxyHeaderStatus ParseV1(ReadOnlySpan<byte> head, out ProxyHeader header, out string problem)
    {
        header = default;
        problem = "";
        var lf = head.IndexOf((byte)'\n');
        if (lf < 0)
        {
            if (head.Length >= MaxV1Length)
            {
                problem = $"the PROXY v1 line is longer than {MaxV1Length} bytes ({Printable(head)})";
                return ProxyHeaderStatus.Invalid;
            }
            return ProxyHeaderStatus.Incomplete;
        }
        if (head[lf - 1] != (byte)'\r')
        {
            problem = $"the PROXY v1 line does not end with CRLF ({Printable(head[..(lf + 1)])})";
            return ProxyHeaderStatus.Invalid;
        }
        var lineBytes = head[..(lf - 1)];
        if (lineBytes.ContainsAnyExceptInRange((byte)0x20, (byte)0x7E))
        {
            problem = $"the PROXY v1 line has bytes other than printable ASCII ({Printable(head[..(lf + 1)])})";
            return ProxyHeaderStatus.Invalid;
        }
        var line = Encoding.ASCII.GetString(lineBytes);
        var parts = line.Split(' ');
        if (parts[1] == "UNKNOWN")
        {
            header = new ProxyHeader(lf + 1, null, "v1 UNKNOWN");
            return ProxyHeaderStatus.Complete;
        }
        var family = parts[1] switch
        {
            "TCP4" => AddressFamily.InterNetwork,
            "TCP6" => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unknown,
        };
        if (family == AddressFamily.Unknown)
        {
            problem = $"the PROXY v1 line names protocol '{parts[1]}'; TCP4, TCP6 or UNKNOWN was expected ('{line}')";
            return ProxyHeaderStatus.Invalid;
        }
        if (parts.Length != 6)
        {
            problem = $"the PROXY v1 line has {parts.Length} fields separated by single spaces; 6 were expected ('{line}')";
            return ProxyHeaderStatus.Invalid;
        }
        if (!IPAddressText.TryParse(parts[2], out var source) || source.AddressFamily != family
            || !IPAddressText.TryParse(parts[3], out var destination) || destination.AddressFamily != family)
        {
            problem = $"the PROXY v1 line's addresses are not {parts[1]} addresses ('{line}')";
            return ProxyHeaderStatus.Invalid;
        }
        if (!TryParsePort(parts[4], out var sourcePort) || !TryParsePort(parts[5], out _))
        {
            problem = $"the PROXY v1 line's ports are not numbers from 0 to 65535 ('{line}')";
            return ProxyHeaderStatus.Invalid;
        }
        header = new ProxyHeader(lf + 1, new IPEndPoint(source, sourcePort), $"v1 {parts[1]}");
        return ProxyHeaderStatus.Complete;
    }

    private static bool TryParsePort(string text, out int port)
    {
        port = 0;
        return text.Length is > 0 and <= 5 && (text.Length == 1 || text[0] != '0') && !text.AsSpan().ContainsAnyExceptInRange('0', '9')
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535;
    }

    /// <summary>The binary header: signature, version and command, family and transport, length, addresses, TLVs.</summary>
    private static ProxyHeaderStatus ParseV2(in ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> head, out ProxyHeader header, out string problem)
    {
        header = default;
        problem = "";
        var versionCommand = head[12];
        var familyTransport = head[13];
        var length = (head[14] << 8) | head[15];
        if (versionCommand >> 4 != 2)
        {
            problem = $"the PROXY v2 header declares version {versionCommand >> 4}; 2 was expected";
            return ProxyHeaderStatus.Invalid;
        }
        var command = versionCommand & 0x0F;
        if (command > 1)
        {
            problem = $"the PROXY v2 header has command {command}; LOCAL (0) or PROXY (1) was expected";
            return ProxyHeaderStatus.Invalid;
        }
        // The specification's combinations: UNSPEC, TCP and UDP over IPv4 and IPv6, unix stream and datagram.
        var addressLength = familyTransport switch
        {
            0x00 => 0,
            0x11 or 0x12 => 12,
            0x21 or 0x22 => 36,
            0x31 or 0x32 => 216,
            _ => -1,
        };
        if (addressLength < 0)
        {
            problem = $"the PROXY v2 header has address family and transport 0x{familyTransport:X2}, which the specification does not define";
            return ProxyHeaderStatus.Invalid;
        }
        var total = V2FixedLength + length;
        if (buffer.Length < total)
        {
            return ProxyHeaderStatus.Incomplete;
        }
        if (command == 0)
        {
            // LOCAL: the proxy's own connection (a health check); the socket's peer stands.
            header = new ProxyHeader(total, null, "v2 LOCAL");
            return ProxyHeaderStatus.Complete;
        }
        if (length < addressLength)
        {
            problem = $"the PROXY v2 header declares {length} bytes of addresses and TLVs; family 0x{familyTransport:X2} needs at least {addressLength}";
            return ProxyHeaderStatus.Invalid;
        }
        if (familyTransport is not (0x11 or 0x21))
        {
            header = new ProxyHeader(total, null, $"v2 PROXY family 0x{familyTransport:X2}");
            return ProxyHeaderStatus.Complete;
        }
        Span<byte> addresses = stackalloc byte[36];
        addresses = addresses[..addressLength];
        buffer.Slice(V2FixedLength, addressLength).CopyTo(addresses);
        var addressBytes = addressLength == 12 ? 4 : 16;
        var source = new IPAddress(addresses[..addressBytes]);
        var sourcePort = (addresses[2 * addressBytes] << 8) | addresses[2 * addressBytes + 1];
        header = new ProxyHeader(total, new IPEndPoint(source, sourcePort), addressBytes == 4 ? "v2 TCP4" : "v2 TCP6");
        return ProxyHeaderStatus.Complete;
    }

    /// <summary>The first bytes of a connection for a log line, non-printable bytes escaped.</summary>
    internal static string Printable(ReadOnlySpan<byte> bytes)
    {
        const int Shown = 32;
        var text = new StringBuilder("'");
        foreach (var b in bytes[..Math.Min(bytes.Length, Shown)])
        {
            switch (b)
            {
                case (byte)'\r':
                    text.Append("\\r");
                    break;
                case (byte)'\n':
                    text.Append("\\n");
                    break;
                case >= 0x20 and < 0x7F and not (byte)'\\' and not (byte)'\'':
                    text.Append((char)b);
                    break;
                default:
                    text.Append(CultureInfo.InvariantCulture, $"\\x{b:x2}");
                    break;
            }
        }
        text.Append(bytes.Length > Shown ? "'..." : "'");
        return text.ToString();
    }
}
