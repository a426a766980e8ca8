using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dram.Configuration;

namespace Dram.Hosting;

/// <summary>
/// The certificate, its key and chain, and the client CAs, read from the PEM files the TLS settings
/// name. Read in the master to refuse bad files before anything starts (and before a reload), and
/// in each worker before it switches to --user, so the key file may be readable by root only. Every
/// problem is a <see cref="UsageException"/> naming the setting, the file and the fix.
/// </summary>
public sealed class TlsCredentials : IDisposable
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    private TlsCredentials(X509Certificate2 certificate, X509Certificate2Collection chain, X509Certificate2Collection? clientAuthorities)
    {
        Certificate = certificate;
        Chain = chain;
        ClientAuthorities = clientAuthorities;
    }

    /// <summary>The server certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The intermediates that followed it in --certfile, sent with it in the handshake.</summary>
    public X509Certificate2Collection Chain { get; }

    /// <summary>The CAs of --ca-certs, or null for the system's trusted CAs.</summary>
    public X509Certificate2Collection? ClientAuthorities { get; }

    /// <summary>How the log names the certificate: its subject and validity.</summary>
    public string Describe() =>
        $"{Certificate.Subject} (issued by {Certificate.Issuer}, valid {Certificate.NotBefore.ToUniversalTime():yyyy-MM-dd} to {Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC)";

    /// <summary>Why the certificate is not valid now (expired, not yet valid), or null.</summary>
    public string? ValidityProblem(DateTime now) =>
        now > Certificate.NotAfter ? $"the certificate {Certificate.Subject} expired on {Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC; clients will refuse it"
        : now < Certificate.NotBefore ? $"the certificate {Certificate.Subject} is not valid before {Certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC; clients will refuse it until then"
        : null;

    public static TlsCredentials Load(TlsSettings settings)
    {
        var certText = ReadPem("--certfile", settings.CertFile);
        var certificates = ReadCertificates("--certfile", settings.CertFile, certText);
        var leaf = certificates[0];
        CheckServerUsage(settings.CertFile, leaf);

        var keyFlag = settings.KeyFile is null ? "--certfile" : "--keyfile";
        var keyPath = settings.KeyFile ?? settings.CertFile;
        var keyText = settings.KeyFile is null ? certText : ReadPem("--keyfile", keyPath);
        var withKey = AttachKey(leaf, settings.CertFile, keyFlag, keyPath, keyText);

        var chain = new X509Certificate2Collection();
        for (var i = 1; i < certificates.Count; i++)
        {
            chain.Add(certificates[i]);
        }
        leaf.Dispose();

        X509Certificate2Collection? authorities = null;
        if (settings.CaCerts is { } caPath)
        {
            authorities = [.. ReadCertificates("--ca-certs", caPath, ReadPem("--ca-certs", caPath))];
        }
        return new TlsCredentials(withKey, chain, authorities);
    }

    private static string ReadPem(string flag, string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            throw new UsageException($"{flag} {path}: no such file");
        }
        catch (DirectoryNotFoundException)
        {
            throw new UsageException($"{flag} {path}: no such file (its directory does not exist)");
        }
        catch (UnauthorizedAccessException)
        {
            throw new UsageException(Directory.Exists(path)
                ? $"{flag} {path}: is a directory; name the PEM file itself"
                : $"{flag} {path}: permission denied; dram (uid {Dram.Security.UnixAccounts.EffectiveUid}) cannot read it: make it readable to the account dram starts as (workers read it before switching to --user)");
        }
        catch (IOException e)
        {
            throw new UsageException($"{flag} {path}: cannot be read: {e.Message}");
        }
    }

    /// <summary>Every CERTIFICATE block of a PEM file, in order; the first is the server's own.</summary>
    private static List<X509Certificate2> ReadCertificates(string flag, string path, string text)
    {
        var certificates = new List<X509Certificate2>();
        var rest = text.AsMemory();
        while (PemEncoding.TryFind(rest.Span, out var fields))
        {
            var label = rest.Span[fields.Label];
            if (label.SequenceEqual("CERTIFICATE"))
            {
                try
                {
                    certificates.Add(X509CertificateLoader.LoadCertificate(Convert.FromBase64String(rest[fields.Base64Data].ToString())));
                }
                catch (Exception e) when (e is CryptographicException or FormatException)
                {
                    throw new UsageException($"{flag} {path}: certificate {certificates.Count + 1} in the file is not a valid X.509 certificate ({e.Message})");
                }
            }
            rest = rest[fields.Location.End..];
        }
        if (certificates.Count == 0)
        {
            throw new UsageException($"{flag} {path}: no PEM certificate in the file (expected a -----BEGIN CERTIFICATE----- block)");
        }
        return certificates;
    }

    /// <summary>Kestrel refuses a certificate whose extended key usage leaves out server authentication; say so before it does.</summary>
    private static void CheckServerUsage(string path, X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509EnhancedKeyUsageExtension usage)
            {
                foreach (var oid in usage.EnhancedKeyUsages)
                {
                    if (oid.Value == ServerAuthentication)
                    {
                        return;
                    }
                }
                throw new UsageException($"--certfile {path}: the certificate {certificate.Subject} is not for servers (its extended key usage lacks TLS Web Server Authentication); use a server certificate");
            }
        }
    }

    private static X509Certificate2 AttachKey(X509Certificate2 certificate, string certPath, string flag, string path, string text)
    {
        if (text.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal) || text.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal))
        {
            throw new UsageException($"{flag} {path}: the private key is encrypted, and a server cannot ask for its passphrase; "
                + $"write it unencrypted (openssl pkey -in {path} -out key.pem) and protect the file with its permissions instead");
        }

        string? label = null;
        ReadOnlyMemory<char> data = default;
        var rest = text.AsMemory();
        while (PemEncoding.TryFind(rest.Span, out var fields))
        {
            var found = rest.Span[fields.Label].ToString();
            if (found is "PRIVATE KEY" or "RSA PRIVATE KEY" or "EC PRIVATE KEY")
            {
                label = found;
                data = rest[fields.Location];
                break;
            }
            rest = rest[fields.Location.End..];
        }
        if (label is null)
        {
            throw new UsageException(path == certPath
                ? $"--certfile {path}: no private key in the file; give it with --keyfile, or append the key (-----BEGIN PRIVATE KEY-----) to the certificate file"
                : $"{flag} {path}: no PEM private key in the file (expected a -----BEGIN PRIVATE KEY----- block)");
        }

        try
        {
            switch (certificate.GetKeyAlgorithm())
            {
                case "1.2.840.113549.1.1.1":
                {
                    using var rsa = RSA.Create();
                    rsa.ImportFromPem(data.Span);
                    return certificate.CopyWithPrivateKey(rsa);
                }
                case "1.2.840.10045.2.1":
                {
                    using var ec = ECDsa.Create();
                    ec.ImportFromPem(data.Span);
                    return certificate.CopyWithPrivateKey(ec);
                }
                default:
                    throw new UsageException($"--certfile {certPath}: the certificate's key type ({certificate.GetKeyAlgorithm()}) is not supported; use an RSA or ECDSA certificate");
            }
        }
        catch (ArgumentException)
        {
            throw new UsageException($"{flag} {path}: the private key does not belong to the certificate {certificate.Subject}; "
                + "check that --certfile and --keyfile come from the same pair (their public keys differ)");
        }
        catch (CryptographicException e)
        {
            throw new UsageException($"{flag} {path}: the private key cannot be used with the certificate {certificate.Subject} ({e.Message}); "
                + "check that --certfile and --keyfile come from the same pair");
        }
    }

    public void Dispose()
    {
        Certificate.Dispose();
        foreach (var certificate in Chain)
        {
            certificate.Dispose();
        }
        foreach (var certificate in ClientAuthorities ?? [])
        {
            certificate.Dispose();
        }
    }
}
