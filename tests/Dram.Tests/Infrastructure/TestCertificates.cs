namespace Dram.Tests.Infrastructure;

/// <summary>
/// A throw-away PKI made with the openssl command in a temporary directory, so no private key is
/// ever committed: a root CA, an intermediate CA and a server certificate it signs (for 127.0.0.1
/// and localhost), a client CA with one client certificate, and a second, unrelated CA with a client
/// certificate of its own. All keys are ECDSA P-256 (quick to make).
/// </summary>
public sealed class TestCertificates : IAsyncLifetime
{
    private readonly TemporaryDirectory _directory = new("dram-tls-");
    private int _serial;


    public string Directory => _directory.Path;

    /// <summary>The root CA clients trust (curl --cacert).</summary>
    public string RootCa => PathOf("root.pem");

    /// <summary>The server certificate alone (no intermediate).</summary>
    public string ServerCertificate => PathOf("server.pem");

    public string ServerKey => PathOf("server.key");

    /// <summary>The server certificate followed by the intermediate that signed it.</summary>
    public string ServerFullChain => PathOf("server-fullchain.pem");

    /// <summary>Certificate, intermediate and key in one file.</summary>
    public string ServerCombined => PathOf("server-combined.pem");

    /// <summary>The CA that signs <see cref="ClientCertificate"/> (--ca-certs).</summary>
    public string ClientCa => PathOf("client-ca.pem");

    public string ClientCertificate => PathOf("client.pem");

    public string ClientKey => PathOf("client.key");

    /// <summary>A client certificate from a CA the server was not told about.</summary>
    public string RogueClientCertificate => PathOf("rogue-client.pem");

    public string RogueClientKey => PathOf("rogue-client.key");

    public const string ClientSubject = "CN=alice,O=Example\\, Inc.,C=FR";

    /// <summary>Makes the certificates (an xunit class fixture calls this once).</summary>
    public async Task InitializeAsync()
    {
        await SelfSignedCaAsync("root", "/CN=Dram Test Root CA");
        await IssueAsync("intermediate", "/CN=Dram Test Intermediate CA", "root", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
        await IssueServerAsync("server", "server.dram.test");
        await SelfSignedCaAsync("client-ca", "/CN=Dram Test Client CA");
        await IssueAsync("client", "/C=FR/O=Example, Inc./CN=alice", "client-ca", "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n");
        await SelfSignedCaAsync("rogue-ca", "/CN=Someone Else's CA");
        await IssueAsync("rogue-client", "/CN=mallory", "rogue-ca", "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n");
    }

    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>
    /// Issues another server certificate (signed by the intermediate) as NAME.pem, NAME.key,
    /// NAME-fullchain.pem and NAME-combined.pem, with <paramref name="commonName"/> as its subject.
    /// </summary>
    public async Task IssueServerAsync(string name, string commonName)
    {
        await IssueAsync(name, $"/CN={commonName}", "intermediate",
            "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        var leaf = await File.ReadAllTextAsync(PathOf($"{name}.pem"));
        var intermediate = await File.ReadAllTextAsync(PathOf("intermediate.pem"));
        var key = await File.ReadAllTextAsync(PathOf($"{name}.key"));
        await File.WriteAllTextAsync(PathOf($"{name}-fullchain.pem"), leaf + intermediate);
        await File.WriteAllTextAsync(PathOf($"{name}-combined.pem"), leaf + intermediate + key);
    }

    /// <summary>Runs openssl in the directory; a failure throws with its output.</summary>
    public Task<string> OpenSslAsync(params string[] args) => ExternalCommand.RunCheckedAsync("openssl", args, workingDirectory: Directory);

    private async Task SelfSignedCaAsync(string name, string subject)
    {
        await OpenSslAsync("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", $"{name}.key", "-out", $"{name}.pem", "-days", "30", "-subj", subject,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }

    private async Task IssueAsync(string name, string subject, string issuer, string extensions)
    {
        await File.WriteAllTextAsync(PathOf($"{name}.ext"), extensions);
        await OpenSslAsync("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", $"{name}.key", "-out", $"{name}.csr", "-subj", subject);
        await OpenSslAsync("x509", "-req", "-in", $"{name}.csr", "-CA", $"{issuer}.pem", "-CAkey", $"{issuer}.key",
            "-set_serial", (++_serial + 1000).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-out", $"{name}.pem", "-days", "30", "-extfile", $"{name}.ext");
    }

    public Task DisposeAsync()
    {
        _directory.Dispose();
        return Task.CompletedTask;
    }
}
