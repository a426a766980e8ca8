using System.Net;
using System.Net.Sockets;

namespace Dram.Wsgi;

/// <summary>
/// Reads IP addresses written the canonical way only: IPv4 as four dotted decimal numbers without
/// leading zeros, IPv6 as RFC 4291 text without brackets or zone. <see cref="IPAddress.TryParse(string?, out IPAddress?)"/>
/// also takes "10.1" (10.0.0.1), "0x7f.1" or "010.0.0.1" (octal), which nobody means in a trust
/// list or a proxy header, and which would let a lax sender name an address it did not intend.
/// </summary>
public static class IPAddressText
{
    public static bool TryParse(ReadOnlySpan<char> text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.IsEmpty || text.Length > 45)
        {
            return false;
        }
        if (text.Contains(':'))
        {
            if (text.ContainsAny('[', ']', '%') || text.Contains('/')
                || !IPAddress.TryParse(text, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }
            address = v6;
            return true;
        }
        return TryParseV4(text, out address);
    }

    private static bool TryParseV4(ReadOnlySpan<char> text, out IPAddress address)
    {
        address = IPAddress.None;
        Span<byte> bytes = stackalloc byte[4];
        var part = 0;
        var start = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] != '.')
            {
                if (!char.IsAsciiDigit(text[i]))
                {
                    return false;
                }
                continue;
            }
            var digits = text[start..i];
            if (part == 4 || digits.IsEmpty || digits.Length > 3 || (digits.Length > 1 && digits[0] == '0'))
            {
                return false;
            }
            var value = int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
            if (value > 255)
            {
                return false;
            }
            bytes[part++] = (byte)value;
            start = i + 1;
        }
        if (part != 4)
        {
            return false;
        }
        address = new IPAddress(bytes);
        return true;
    }
}
