using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dram.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Dram.Hosting;

/// <summary>Kestrel's HTTPS options for the TLS settings and the credentials read from their files.</summary>
internal static class HttpsOptions
{
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    public static HttpsConnectionAdapterOptions Create(TlsSettings settings, TlsCredentials credentials)
    {
        var options = new HttpsConnectionAdapterOptions
        {
            ServerCertificate = credentials.Certificate,
            ServerCertificateChain = credentials.Chain,
            SslProtocols = settings.Protocols,
            ClientCertificateMode = settings.ClientCertificates,
            // As in Gunicorn (Python's ssl): no revocation lookups from the server.
            CheckCertificateRevocation = false,
        };
        if (credentials.ClientAuthorities is { } authorities)
        {
            options.ClientCertificateValidation = (certificate, chain, _) => ChainsTo(certificate, chain, authorities);
        }
        if (settings.CipherSuites is { } policy)
        {
            options.OnAuthenticate = (_, ssl) => ssl.CipherSuitesPolicy = policy;
        }
        return options;
    }

    /// <summary>Whether a client certificate chains to one of the --ca-certs CAs (and not merely to a CA the system trusts).</summary>
    private static bool ChainsTo(X509Certificate2 certificate, X509Chain? presented, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ClientAuthentication));
        if (presented is not null)
        {
            // Intermediates the client sent with its certificate.
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
        }
        return chain.Build(certificate);
    }
}
