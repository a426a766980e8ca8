using Dram.Tests.Infrastructure;

namespace Dram.Tests.Tls;

/// <summary>
/// --cert-reqs with --ca-certs: a client certificate is refused in the handshake unless it chains
/// to one of those CAs (a CA the server was not given does not do); one that passes reaches the app
/// as SSL_CLIENT_CERT (PEM), SSL_CLIENT_S_DN and SSL_CLIENT_I_DN (RFC 4514), SSL_CLIENT_VERIFY.
/// </summary>
public sealed class ClientCertificateTests(TestCertificates pki) : IClassFixture<TestCertificates>
{
    [Fact]
    public async Task RequiredClientCertificateMustChainToTheGivenCa()
    {
        await using var dram = await DramProcess.StartAsync("environ_probe:application",
            ["--certfile", pki.ServerCombined, "--ca-certs", pki.ClientCa, "--cert-reqs", "2"]);
        var url = $"https://127.0.0.1:{dram.Port}/";

        var (without, withoutOutput) = await Curl.RunAsync("--cacert", pki.RootCa, url);
        var (rogue, rogueOutput) = await Curl.RunAsync("--cacert", pki.RootCa, "--cert", pki.RogueClientCertificate, "--key", pki.RogueClientKey, url);
        var environ = EnvironReport.FromJson(await Curl.GetAsync("--cacert", pki.RootCa, "--cert", pki.ClientCertificate, "--key", pki.ClientKey, url));

        Assert.True(without != 0 && !withoutOutput.Contains("environ"), $"served without a client certificate: {withoutOutput}");
        Assert.True(rogue != 0 && !rogueOutput.Contains("environ"), $"served a certificate from an unknown CA: {rogueOutput}");
        Assert.Equal("SUCCESS", environ.Str("SSL_CLIENT_VERIFY"));
        Assert.Equal(TestCertificates.ClientSubject, environ.Str("SSL_CLIENT_S_DN"));
        Assert.Equal("CN=Dram Test Client CA", environ.Str("SSL_CLIENT_I_DN"));
        Assert.Equal(Normalize(await File.ReadAllTextAsync(pki.ClientCertificate)), Normalize(environ.Str("SSL_CLIENT_CERT")));
        Assert.StartsWith("-----BEGIN CERTIFICATE-----\n", environ.Str("SSL_CLIENT_CERT"));
    }

    [Fact]
    public async Task OptionalClientCertificateIsVerifiedOnlyWhenSent()
    {
        await using var dram = await DramProcess.StartAsync("environ_probe:application",
            ["--certfile", pki.ServerCombined, "--ca-certs", pki.ClientCa, "--cert-reqs", "1"]);
        var url = $"https://127.0.0.1:{dram.Port}/";

        var anonymous = EnvironReport.FromJson(await Curl.GetAsync("--cacert", pki.RootCa, url));
        var identified = EnvironReport.FromJson(await Curl.GetAsync("--cacert", pki.RootCa, "--cert", pki.ClientCertificate, "--key", pki.ClientKey, url));
        var (rogue, rogueOutput) = await Curl.RunAsync("--cacert", pki.RootCa, "--cert", pki.RogueClientCertificate, "--key", pki.RogueClientKey, url);

        Assert.Equal("NONE", anonymous.Str("SSL_CLIENT_VERIFY"));
        Assert.False(anonymous.Has("SSL_CLIENT_CERT"));
        Assert.Equal("SUCCESS", identified.Str("SSL_CLIENT_VERIFY"));
        Assert.Equal(TestCertificates.ClientSubject, identified.Str("SSL_CLIENT_S_DN"));
        Assert.True(rogue != 0 && !rogueOutput.Contains("environ"), $"served a certificate from an unknown CA: {rogueOutput}");
    }

    [Fact]
    public async Task KeepAliveRequestsOnOneConnectionSeeTheSameClientCertificate()
    {
        await using var dram = await DramProcess.StartAsync("environ_probe:application",
            ["--certfile", pki.ServerCombined, "--ca-certs", pki.ClientCa, "--cert-reqs", "2"]);
        using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(pki.ClientCertificate, pki.ClientKey);
        using var connection = await RawHttpConnection.OpenTlsAsync(dram.Port, certificate);

        var subjects = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            await connection.SendAsync("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
            subjects.Add(EnvironReport.From(await connection.ReadResponseAsync()).Str("SSL_CLIENT_S_DN"));
        }

        Assert.All(subjects, subject => Assert.Equal(TestCertificates.ClientSubject, subject));
    }

    [Fact]
    public async Task CaCertsWithoutCertReqsIsWarnedAboutAndAsksForNoCertificate()
    {
        await using var dram = await DramProcess.StartAsync("environ_probe:application",
            ["--certfile", pki.ServerCombined, "--ca-certs", pki.ClientCa]);

        var environ = EnvironReport.FromJson(await Curl.GetAsync("--cacert", pki.RootCa, "--cert", pki.ClientCertificate, "--key", pki.ClientKey,
            $"https://127.0.0.1:{dram.Port}/"));

        Assert.Equal("NONE", environ.Str("SSL_CLIENT_VERIFY"));
        Assert.Contains($"[WARNING] TLS: --ca-certs {pki.ClientCa} has no effect with --cert-reqs 0", dram.Output);
    }

    private static string Normalize(string pem) => pem.Replace("\r", "").Trim();
}
