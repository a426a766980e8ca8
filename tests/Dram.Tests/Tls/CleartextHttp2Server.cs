using Dram.Tests.Infrastructure;

namespace Dram.Tests.Tls;

/// <summary>One dram serving http2_probe with --http2-cleartext on a TCP port and a unix socket, 4 threads, --timeout 1.</summary>
public sealed class CleartextHttp2Server : IAsyncLifetime
{
    private readonly TemporaryDirectory _directory = new("dram-h2c-");

    public DramProcess Dram { get; private set; } = null!;

    public string UnixSocket => Path.Combine(_directory.Path, "app.sock");

    public string BaseUrl => $"http://127.0.0.1:{Dram.Port}";

    public async Task InitializeAsync()
    {
        var port = FreePort.Next();
        Dram = await DramProcess.StartAsync("http2_probe:application",
            ["--bind", $"127.0.0.1:{port}", "--bind", $"unix:{UnixSocket}", "--http2-cleartext", "--threads", "4", "--timeout", "1"]);
        await Dram.WaitForOutputAsync($"Listening at: unix:{UnixSocket}");
    }

    public async Task DisposeAsync()
    {
        if (Dram is not null)
        {
            await Dram.DisposeAsync();
        }
        _directory.Dispose();
    }
}
