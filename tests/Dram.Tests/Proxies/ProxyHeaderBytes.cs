using System.Net;
using System.Text;

namespace Dram.Tests.Proxies;

/// <summary>PROXY protocol headers built byte by byte from HAProxy's specification, valid or deliberately not.</summary>
public static class ProxyHeaderBytes
{
    /// <summary>The v2 signature: \r\n\r\n\0\r\nQUIT\n.</summary>
    public static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public const byte Local = 0x20;
    public const byte Proxy = 0x21;

    public static byte[] V1(string line) => Encoding.ASCII.GetBytes(line);

    /// <summary>A v2 header: signature, version/command, family/transport, the length, then the rest as given.</summary>
    public static byte[] V2(byte versionCommand, byte familyTransport, byte[] rest, int? declaredLength = null)
    {
        var length = declaredLength ?? rest.Length;
        return [.. V2Signature, versionCommand, familyTransport, (byte)(length >> 8), (byte)length, .. rest];
    }

    /// <summary>TCP over IPv4 or IPv6 from <paramref name="source"/> to 10.0.0.1:443 (or [2001:db8::1]:443), with optional TLVs.</summary>
    public static byte[] V2Tcp(IPAddress source, int sourcePort, byte[]? tlvs = null)
    {
        var v6 = source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        var destination = v6 ? IPAddress.Parse("2001:db8::1") : IPAddress.Parse("10.0.0.1");
        byte[] addresses = [.. source.GetAddressBytes(), .. destination.GetAddressBytes(), (byte)(sourcePort >> 8), (byte)sourcePort, 0x01, 0xBB];
        return V2(Proxy, v6 ? (byte)0x21 : (byte)0x11, [.. addresses, .. tlvs ?? []]);
    }

    /// <summary>A TLV: type, 16-bit length, value.</summary>
    public static byte[] Tlv(byte type, byte[] value) => [type, (byte)(value.Length >> 8), (byte)value.Length, .. value];
}
