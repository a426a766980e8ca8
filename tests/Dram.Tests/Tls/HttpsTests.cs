using Dram.Tests.Infrastructure;

namespace Dram.Tests.Tls;

/// <summary>
/// --certfile turns every TCP bind into HTTPS, with HTTP/2 and HTTP/1.1 offered by ALPN; the app
/// sees https as its scheme and the TLS variables mod_ssl users know. Checked with curl, trusting
/// only the test root CA, so the server must send its intermediate.
/// </summary>
public sealed class HttpsTests(TestCertificates pki) : IClassFixture<TestCertificates>
{
    [Fact]
    public async Task FullChainCertificateServesHttp2AndHttp11WithTheHttpsEnviron()
    {
        await using var dram = await DramProcess.StartAsync("environ_probe:application",
            ["--certfile", pki.ServerFullChain, "--keyfile", pki.ServerKey]);
        var url = $"https://127.0.0.1:{dram.Port}/x?y=1";

        var http2 = EnvironReport.FromJson(await Curl.GetAsync("--cacert", pki.RootCa, "--http2", url));
        var http11 = EnvironReport.FromJson(await Curl.GetAsync("--cacert", pki.RootCa, "--http1.1", url));

        Assert.Equal("HTTP/2", http2.Str("SERVER_PROTOCOL"));
        Assert.Equal("HTTP/1.1", http11.Str("SERVER_PROTOCOL"));
        foreach (var environ in new[] { http2, http11 })
        {
            Assert.Equal("https", environ.Str("wsgi.url_scheme"));
            Assert.Equal("on", environ.Str("HTTPS"));
            Assert.Equal("TLSv1.3", environ.Str("SSL_PROTOCOL"));
            Assert.Equal("NONE", environ.Str("SSL_CLIENT_VERIFY"));
            Assert.False(environ.Has("SSL_CLIENT_CERT"));
            Assert.Equal(dram.Port.ToString(), environ.Str("SERVER_PORT"));
            Assert.Equal("/x", environ.Str("PATH_INFO"));
        }
        Assert.Contains($"Listening at: https://127.0.0.1:{dram.Port}", dram.Output);
        Assert.Contains("TLS certificate: CN=server.dram.test (issued by CN=Dram Test Intermediate CA", dram.Output);
    }

    [Fact]
    public async Task WithoutItsIntermediateTheCertificateDoesNotVerifyAgainstTheRoot()
    {
        // The counterpart of the full-chain test: what makes that one pass is the intermediate sent.
        await using var dram = await DramProcess.StartAsync("environ_probe:application",
            ["--certfile", pki.ServerCertificate, "--keyfile", pki.ServerKey]);

        var (exitCode, output) = await Curl.RunAsync("--cacert", pki.RootCa, $"https://127.0.0.1:{dram.Port}/");

        Assert.Equal(60, exitCode);
        Assert.Contains("certificate", output);
    }

    [Fact]
    public async Task KeyInTheCertificateFileIsUsedAndGunicornNoOpTlsFlagsAreAccepted()
    {
        await using var dram = await DramProcess.StartAsync("environ_probe:application",
            ["--certfile", pki.ServerCombined, "--do-handshake-on-connect", "--suppress-ragged-eofs"]);

        var environ = EnvironReport.FromJson(await Curl.GetAsync("--cacert", pki.RootCa, $"https://127.0.0.1:{dram.Port}/"));

        Assert.Equal("https", environ.Str("wsgi.url_scheme"));
        Assert.DoesNotContain("not supported", dram.Output);
        Assert.DoesNotContain("[WARNING]", dram.Output);
    }

    [Fact]
    public async Task UnixSocketBindsStayPlainHttpBesideTlsTcpBinds()
    {
        using var directory = new TemporaryDirectory("dram-mixed-");
        var socket = Path.Combine(directory.Path, "app.sock");
        var port = FreePort.Next();
        await using var dram = await DramProcess.StartAsync("environ_probe:application",
            ["--bind", $"127.0.0.1:{port}", "--bind", $"unix:{socket}", "--certfile", pki.ServerCombined]);

        var overTcp = EnvironReport.FromJson(await Curl.GetAsync("--cacert", pki.RootCa, $"https://127.0.0.1:{port}/"));
        var overUnix = EnvironReport.FromJson(await Curl.GetAsync("--unix-socket", socket, "http://localhost/"));
        var (plainExit, _) = await Curl.RunAsync($"http://127.0.0.1:{port}/");

        Assert.Equal("https", overTcp.Str("wsgi.url_scheme"));
        Assert.Equal("http", overUnix.Str("wsgi.url_scheme"));
        Assert.False(overUnix.Has("HTTPS"));
        Assert.NotEqual(0, plainExit);
        Assert.Contains($"Listening at: https://127.0.0.1:{port}", dram.Output);
        Assert.Contains($"Listening at: unix:{socket}", dram.Output);
    }

    [Fact]
    public async Task SslVersionTls12OffersOnlyTls12()
    {
        await using var dram = await DramProcess.StartAsync("environ_probe:application",
            ["--certfile", pki.ServerCombined, "--ssl-version", "TLSv1_2"]);
        var url = $"https://127.0.0.1:{dram.Port}/";

        var environ = EnvironReport.FromJson(await Curl.GetAsync("--cacert", pki.RootCa, url));
        var (tls13Only, _) = await Curl.RunAsync("--cacert", pki.RootCa, "--tlsv1.3", url);

        Assert.Equal("TLSv1.2", environ.Str("SSL_PROTOCOL"));
        Assert.Equal(35, tls13Only);
    }

    [Fact]
    public async Task ObsoleteSslVersionsAreWarnedAboutAndModernTlsIsServed()
    {
        await using var dram = await DramProcess.StartAsync("environ_probe:application",
            ["--certfile", pki.ServerCombined, "--ssl-version", "TLSv1"]);

        var environ = EnvironReport.FromJson(await Curl.GetAsync("--cacert", pki.RootCa, $"https://127.0.0.1:{dram.Port}/"));

        Assert.Equal("TLSv1.3", environ.Str("SSL_PROTOCOL"));
        Assert.Contains("[WARNING] TLS: --ssl-version TLSv1: TLS 1.0 and 1.1 are obsolete and not offered; serving TLS 1.2 and 1.3", dram.Output);
    }

    [Fact]
    public async Task CiphersRestrictTheTls12CipherSuites()
    {
        await using var dram = await DramProcess.StartAsync("environ_probe:application",
            ["--certfile", pki.ServerCombined, "--ciphers", "ECDHE-ECDSA-AES256-GCM-SHA384"]);
        var url = $"https://127.0.0.1:{dram.Port}/";

        var (chosen, chosenOutput) = await Curl.RunAsync("--cacert", pki.RootCa, "--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES256-GCM-SHA384", url);
        var (excluded, _) = await Curl.RunAsync("--cacert", pki.RootCa, "--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256", url);
        var (tls13, _) = await Curl.RunAsync("--cacert", pki.RootCa, "--tlsv1.3", url);

        Assert.True(chosen == 0, $"the listed suite was refused: {chosenOutput}");
        Assert.Equal(35, excluded);
        Assert.Equal(0, tls13);
    }
}
