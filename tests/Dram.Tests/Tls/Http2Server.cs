using Dram.Tests.Infrastructure;

namespace Dram.Tests.Tls;

/// <summary>One dram serving tests/apps/http2_probe.py over TLS (HTTP/2 by ALPN) with 4 Python threads, shared by a test class.</summary>
public sealed class Http2Server : IAsyncLifetime
{
    public TestCertificates Pki { get; } = new();

    public DramProcess Dram { get; private set; } = null!;

    public string BaseUrl => $"https://127.0.0.1:{Dram.Port}";

    public async Task InitializeAsync()
    {
        await Pki.InitializeAsync();
        Dram = await DramProcess.StartAsync("http2_probe:application", ["--certfile", Pki.ServerCombined, "--threads", "4"]);
    }

    /// <summary>An HttpClient that speaks only HTTP/2, over one connection, and trusts the test root CA.</summary>
    public HttpClient CreateHttp2Client()
    {
        var root = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(Pki.RootCa);
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false };
        handler.SslOptions.CertificateChainPolicy = new System.Security.Cryptography.X509Certificates.X509ChainPolicy
        {
            TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust,
            CustomTrustStore = { root },
            RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
        };
        return new HttpClient(handler)
        {
            BaseAddress = new Uri(BaseUrl),
            DefaultRequestVersion = System.Net.HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public async Task DisposeAsync()
    {
        if (Dram is not null)
        {
            await Dram.DisposeAsync();
        }
        await Pki.DisposeAsync();
    }
}
