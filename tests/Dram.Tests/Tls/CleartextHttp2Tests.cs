using System.Net.Sockets;
using System.Text;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Tls;

/// <summary>
/// --http2-cleartext: a cleartext socket speaks HTTP/1.1 and HTTP/2 with prior knowledge (h2c), told
/// apart by the HTTP/2 connection preface; without the flag, HTTP/1.1 only.
/// </summary>
public sealed class CleartextHttp2Tests(CleartextHttp2Server server, EnvironProbeServer plain)
    : IClassFixture<CleartextHttp2Server>, IClassFixture<EnvironProbeServer>
{
    private static readonly byte[] Preface = Encoding.ASCII.GetBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

    /// <summary>An empty SETTINGS frame: length 0, type 4, no flags, stream 0.</summary>
    private static readonly byte[] EmptySettings = [0, 0, 0, 4, 0, 0, 0, 0, 0];

    [Fact]
    public async Task OnePortServesPriorKnowledgeHttp2AndHttp11()
    {
        var http2 = EnvironReport.FromJson(await Curl.GetAsync("--http2-prior-knowledge", $"{server.BaseUrl}/x"));
        var http11 = EnvironReport.FromJson(await Curl.GetAsync("--http1.1", $"{server.BaseUrl}/x"));

        Assert.Equal("HTTP/2", http2.Str("SERVER_PROTOCOL"));
        Assert.Equal("HTTP/1.1", http11.Str("SERVER_PROTOCOL"));
        Assert.All(new[] { http2, http11 }, environ =>
        {
            Assert.Equal("http", environ.Str("wsgi.url_scheme"));
            Assert.False(environ.Has("HTTPS"));
            Assert.Equal(server.Dram.Port.ToString(), environ.Str("SERVER_PORT"));
        });
    }

    [Fact]
    public async Task UnixSocketServesPriorKnowledgeHttp2AndHttp11()
    {
        var http2 = EnvironReport.FromJson(await Curl.GetAsync("--unix-socket", server.UnixSocket, "--http2-prior-knowledge", "http://localhost/"));
        var http11 = EnvironReport.FromJson(await Curl.GetAsync("--unix-socket", server.UnixSocket, "http://localhost/"));

        Assert.Equal("HTTP/2", http2.Str("SERVER_PROTOCOL"));
        Assert.Equal("HTTP/1.1", http11.Str("SERVER_PROTOCOL"));
    }

    [SkippableFact]
    public async Task NghttpStreamsOnOneConnectionRunConcurrently()
    {
        Skip.If(Nghttp.AbsenceReason is not null, Nghttp.AbsenceReason);

        var (statuses, connections, output) = await Nghttp.RunAsync("-m", "4", $"{server.BaseUrl}/together?n=4&tag=h2c");

        Assert.Equal(1, connections);
        Assert.True(statuses.Count == 4 && statuses.All(s => s == 200), $"statuses {string.Join(", ", statuses)}:\n{output}");
    }

    [Fact]
    public async Task PrefaceSplitAcrossWritesStillSelectsHttp2()
    {
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", server.Dram.Port);
        var stream = client.GetStream();

        await stream.WriteAsync(Preface.AsMemory(0, 5));
        await Task.Delay(300);
        await stream.WriteAsync(Preface.AsMemory(5));
        await stream.WriteAsync(EmptySettings);

        // The server's first frame is its SETTINGS frame: 9-byte header, type at offset 3.
        var header = new byte[9];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await stream.ReadExactlyAsync(header, timeout.Token);
        Assert.Equal(4, header[3]);
        Assert.Equal(0, header[4] & 1);
    }

    [Theory]
    [InlineData("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhi")]
    [InlineData("PUT /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("PATCH / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n")]
    public async Task Http11RequestsThatStartLikeThePrefaceAreServedAsHttp11(string request)
    {
        var response = await RawHttpConnection.ExchangeAsync(server.Dram.Port, request);

        Assert.StartsWith("HTTP/1.1 200", response.StatusLine);
        Assert.Equal("HTTP/1.1", EnvironReport.From(response).Str("SERVER_PROTOCOL"));
    }

    [Fact]
    public async Task ConnectionThatSendsNothingIsClosed()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Dram.Port);

        Assert.True(await connection.IsClosedByServerAsync(TimeSpan.FromSeconds(60)), "an idle connection stayed open past the keep-alive timeout");
    }

    [Fact]
    public async Task TimedOutHttp2RequestIsAnswered504WithoutConnectionHeaders()
    {
        var (exitCode, output) = await Curl.RunAsync("--http2-prior-knowledge", "-i", $"{server.BaseUrl}/sleep?s=3");

        Assert.True(exitCode == 0, output);
        Assert.StartsWith("HTTP/2 504", output);
        Assert.Contains("Gateway Timeout", output);
        Assert.DoesNotContain("connection:", output.ToLowerInvariant());
        Assert.DoesNotContain("invalid for HTTP/2", server.Dram.Output);
    }

    [Fact]
    public async Task WithoutTheFlagCleartextSocketsSpeakOnlyHttp11()
    {
        var (exitCode, _) = await Curl.RunAsync("--http2-prior-knowledge", $"http://127.0.0.1:{plain.Port}/");
        var http11 = EnvironReport.FromJson(await Curl.GetAsync($"http://127.0.0.1:{plain.Port}/"));

        Assert.NotEqual(0, exitCode);
        Assert.Equal("HTTP/1.1", http11.Str("SERVER_PROTOCOL"));
    }
}
