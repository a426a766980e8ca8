using System.Globalization;
using System.Net.Security;
using System.Security.Authentication;
using Dram.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Dram.Configuration;

/// <summary>
/// The TLS settings of a run (<c>--certfile</c> and its companions), checked for consistency; the
/// files themselves are read by <see cref="TlsCredentials"/>. Every TCP bind serves TLS when a
/// certificate is given, as in Gunicorn; unix sockets stay plain HTTP (a proxy on the same host).
/// </summary>
public sealed record TlsSettings
{
    /// <summary>PEM certificate, optionally followed by its intermediates and its key.</summary>
    public required string CertFile { get; init; }

    /// <summary>PEM private key; null when it is in <see cref="CertFile"/>.</summary>
    public string? KeyFile { get; init; }

    /// <summary>PEM bundle of the CAs client certificates must chain to; null: the system's trusted CAs.</summary>
    public string? CaCerts { get; init; }

    public required ClientCertificateMode ClientCertificates { get; init; }

    public required SslProtocols Protocols { get; init; }

    /// <summary>The cipher suites <c>--ciphers</c> selects, or null for the defaults.</summary>
    public CipherSuitesPolicy? CipherSuites { get; init; }

    /// <summary>Settings given that cannot be honoured as written, for the start-up log.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>Gunicorn's --ssl-version names (Python's ssl.PROTOCOL_* without the prefix) and their numbers.</summary>
    private static readonly Dictionary<string, int> SslVersions = new(StringComparer.Ordinal)
    {
        ["SSLv23"] = 2,
        ["TLS"] = 2,
        ["TLSv1"] = 3,
        ["TLSv1_1"] = 4,
        ["TLSv1_2"] = 5,
        ["TLS_CLIENT"] = 16,
        ["TLS_SERVER"] = 17,
    };

    private const string SslVersionChoices = "TLS, TLS_SERVER, SSLv23 (all: TLS 1.2 and 1.3) or TLSv1_2 (TLS 1.2 only), or their numbers 2, 17, 5";

    public static string? ValidateSslVersion(string text) => ParseSslVersion(text) switch
    {
        null => $"not a TLS version; use {SslVersionChoices}",
        16 => "TLS_CLIENT is Python's protocol for client sockets; a server uses TLS (the default)",
        _ => null,
    };

    public static string? ValidateCertReqs(string text) => text is "0" or "1" or "2"
        ? null
        : "must be 0 (no client certificate), 1 (optional: verified when the client sends one) or 2 (required)";

    private static int? ParseSslVersion(string text)
    {
        if (SslVersions.TryGetValue(text, out var number))
        {
            return number;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out number) && SslVersions.ContainsValue(number) ? number : null;
    }

    /// <summary>The TLS settings given, or null when TLS is off; throws <see cref="UsageException"/> for an inconsistent set.</summary>
    public static TlsSettings? From(CommandLine line, IReadOnlyList<BindAddress> binds)
    {
        var certFile = line.Get(Settings.CertFile);
        if (certFile is null)
        {
            foreach (var setting in new[] { Settings.KeyFile, Settings.CaCerts, Settings.CertReqs, Settings.SslVersion, Settings.Ciphers })
            {
                if (line.Has(setting))
                {
                    throw new UsageException($"{setting.Flags[^1]} needs --certfile: TLS is on only when a server certificate is given");
                }
            }
            return null;
        }
        if (binds.All(b => b.UnixPath is not null))
        {
            throw new UsageException($"--certfile {certFile}: every --bind is a unix socket, and unix sockets serve plain HTTP "
                + "(TLS applies to TCP binds); add a TCP bind such as --bind 0.0.0.0:443, or drop --certfile and let the proxy terminate TLS");
        }

        var warnings = new List<string>();
        var protocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        switch (ParseSslVersion(line.Get(Settings.SslVersion) ?? Settings.SslVersion.Default!))
        {
            case 5:
                protocols = SslProtocols.Tls12;
                break;
            case 3 or 4:
                warnings.Add($"--ssl-version {line.Get(Settings.SslVersion)}: TLS 1.0 and 1.1 are obsolete and not offered; serving TLS 1.2 and 1.3");
                break;
        }

        var certReqs = line.Get(Settings.CertReqs) ?? Settings.CertReqs.Default!;
        var mode = certReqs switch
        {
            "1" => ClientCertificateMode.AllowCertificate,
            "2" => ClientCertificateMode.RequireCertificate,
            _ => ClientCertificateMode.NoCertificate,
        };
        var caCerts = line.Get(Settings.CaCerts) is { } ca ? Path.GetFullPath(ca) : null;
        if (caCerts is not null && mode == ClientCertificateMode.NoCertificate)
        {
            warnings.Add($"--ca-certs {caCerts} has no effect with --cert-reqs 0: clients are not asked for a certificate (use --cert-reqs 2 to require one)");
        }

        var ciphers = line.Get(Settings.Ciphers);
        return new TlsSettings
        {
            CertFile = Path.GetFullPath(certFile),
            KeyFile = line.Get(Settings.KeyFile) is { } key ? Path.GetFullPath(key) : null,
            CaCerts = caCerts,
            ClientCertificates = mode,
            Protocols = protocols,
            CipherSuites = ciphers is null ? null : new CipherSuitesPolicy(OpenSslCipherList.Expand(ciphers)),
            Warnings = warnings,
        };
    }
}
