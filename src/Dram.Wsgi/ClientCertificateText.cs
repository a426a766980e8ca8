using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Dram.Wsgi;

/// <summary>
/// A TLS client certificate as mod_ssl and nginx give it to applications: the PEM text
/// (SSL_CLIENT_CERT) and the subject and issuer as RFC 4514 strings (SSL_CLIENT_S_DN,
/// SSL_CLIENT_I_DN, e.g. <c>CN=alice,O=Example\, Inc.,C=FR</c>), as UTF-8 bytes.
/// </summary>
internal static class ClientCertificateText
{
    public static byte[] Pem(X509Certificate2 certificate) => Encoding.ASCII.GetBytes(certificate.ExportCertificatePem() + "\n");

    public static byte[] DistinguishedName(X500DistinguishedName name)
    {
        var text = new StringBuilder();
        foreach (var component in name.EnumerateRelativeDistinguishedNames(reversed: true))
        {
            if (component.HasMultipleElements)
            {
                // Multi-valued components are rare; .NET's own rendering keeps them readable.
                return Encoding.UTF8.GetBytes(name.Name);
            }
            if (text.Length > 0)
            {
                text.Append(',');
            }
            var type = component.GetSingleElementType();
            text.Append(ShortName(type.Value ?? "")).Append('=');
            AppendEscaped(text, component.GetSingleElementValue() ?? "");
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>The attribute names OpenSSL prints (RFC 4514's, plus emailAddress); other types as dotted OIDs.</summary>
    private static string ShortName(string oid) => oid switch
    {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "street",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "title",
        "2.5.4.42" => "GN",
        "0.9.2342.19200300.100.1.1" => "UID",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.2.840.113549.1.9.1" => "emailAddress",
        _ => oid,
    };

    /// <summary>RFC 4514 section 2.4: special characters, and spaces or '#' at the ends, are backslash-escaped.</summary>
    private static void AppendEscaped(StringBuilder text, string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is '"' or '+' or ',' or ';' or '<' or '>' or '\\'
                || (i == 0 && c is '#' or ' ')
                || (i == value.Length - 1 && c == ' '))
            {
                text.Append('\\').Append(c);
            }
            else if (c == '\0')
            {
                text.Append("\\00");
            }
            else
            {
                text.Append(c);
            }
        }
    }
}
