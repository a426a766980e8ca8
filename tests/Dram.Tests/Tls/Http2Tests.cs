using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Tls;

/// <summary>
/// HTTP/2 over TLS: concurrent streams of one connection reach different Python threads at the same
/// time; request bodies (with and without content-length), paced streamed bodies and
/// wsgi.file_wrapper bodies travel as DATA frames; responses carry no connection-specific headers.
/// </summary>
public sealed class Http2Tests(Http2Server server) : IClassFixture<Http2Server>
{
    private const int UploadSize = 3_000_000;

    [SkippableFact]
    public async Task NghttpStreamsOnOneConnectionRunConcurrentlyInThePythonThreads()
    {
        Skip.If(Nghttp.AbsenceReason is not null, Nghttp.AbsenceReason);

        var (statuses, connections, output) = await Nghttp.RunAsync("-m", "4", $"{server.BaseUrl}/together?n=4&tag=nghttp");

        Assert.Equal(1, connections);
        Assert.True(statuses.Count == 4 && statuses.All(s => s == 200), $"statuses {string.Join(", ", statuses)}:\n{output}");
    }

    [Fact]
    public async Task ConcurrentRequestsOfOneClientShareOneConnection()
    {
        using var client = server.CreateHttp2Client();

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => client.GetAsync("/together?n=4&tag=httpclient")));
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.All(responses, r => Assert.Equal(HttpVersion.Version20, r.Version));
        Assert.All(bodies, b => Assert.StartsWith("4 together on HTTP/2 from port ", b));
        // One client port: every stream came over the same TCP connection.
        Assert.Single(bodies.Distinct());
    }

    [Fact]
    public async Task UploadsReachWsgiInputWithAndWithoutContentLength()
    {
        using var directory = new TemporaryDirectory("dram-h2-upload-");
        var file = Path.Combine(directory.Path, "upload.bin");
        var data = RandomNumberGenerator.GetBytes(UploadSize);
        await File.WriteAllBytesAsync(file, data);
        var expected = Convert.ToHexStringLower(SHA256.HashData(data));
        var url = $"{server.BaseUrl}/upload";

        var withLength = JsonDocument.Parse(await Curl.GetAsync("--cacert", server.Pki.RootCa, "--http2", "--data-binary", $"@{file}", url)).RootElement;
        var withoutLength = JsonDocument.Parse(await Curl.GetAsync("--cacert", server.Pki.RootCa, "--http2", "--data-binary", $"@{file}", "-H", "Content-Length:", url)).RootElement;

        foreach (var answer in new[] { withLength, withoutLength })
        {
            Assert.Equal("HTTP/2", answer.GetProperty("protocol").GetString());
            Assert.Equal(UploadSize, answer.GetProperty("length").GetInt32());
            Assert.Equal(expected, answer.GetProperty("sha256").GetString());
        }
        Assert.Equal(UploadSize.ToString(), withLength.GetProperty("content_length").GetString());
        Assert.Equal(JsonValueKind.Null, withoutLength.GetProperty("content_length").ValueKind);
    }

    [SkippableFact]
    public async Task NghttpUploadArrivesWhole()
    {
        Skip.If(Nghttp.AbsenceReason is not null, Nghttp.AbsenceReason);
        using var directory = new TemporaryDirectory("dram-h2-upload-");
        var file = Path.Combine(directory.Path, "upload.bin");
        var data = RandomNumberGenerator.GetBytes(UploadSize);
        await File.WriteAllBytesAsync(file, data);

        var (exitCode, output) = await ExternalCommand.RunAsync(Nghttp.Path, ["--timeout=60", "-d", file, $"{server.BaseUrl}/upload"]);

        Assert.True(exitCode == 0, output);
        Assert.Contains($"\"sha256\": \"{Convert.ToHexStringLower(SHA256.HashData(data))}\"", output);
        Assert.Contains($"\"length\": {UploadSize}", output);
    }

    [Fact]
    public async Task StreamedBodyArrivesChunkByChunkWhileOtherStreamsRun()
    {
        using var client = server.CreateHttp2Client();
        using var response = await client.GetAsync("/stream?tag=h2-stream&chunks=3", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var received = new StringBuilder();

        for (var chunk = 1; chunk <= 3; chunk++)
        {
            await ReadUntilAsync(body, received, $"chunk-{chunk};");
            if (chunk < 3)
            {
                // Sent on the same connection as another stream: the app only continues once it arrives.
                var release = await client.GetStringAsync("/release?tag=h2-stream");
                Assert.Equal("released", release);
            }
        }
        await ReadUntilAsync(body, received, null);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("chunk-1;chunk-2;chunk-3;", received.ToString());
    }

    [Fact]
    public async Task FileWrapperBodyArrivesWholeWithoutConnectionHeaders()
    {
        using var directory = new TemporaryDirectory("dram-h2-file-");
        var file = Path.Combine(directory.Path, "served.bin");
        var data = RandomNumberGenerator.GetBytes(2_500_000);
        await File.WriteAllBytesAsync(file, data);
        var downloaded = Path.Combine(directory.Path, "downloaded.bin");
        var headers = Path.Combine(directory.Path, "headers.txt");

        await Curl.GetAsync("--cacert", server.Pki.RootCa, "--http2", "-D", headers, "-o", downloaded,
            $"{server.BaseUrl}/file?path={Uri.EscapeDataString(file)}");

        Assert.Equal(data, await File.ReadAllBytesAsync(downloaded));
        var head = (await File.ReadAllTextAsync(headers)).ToLowerInvariant();
        Assert.StartsWith("http/2 200", head);
        foreach (var hopByHop in new[] { "transfer-encoding:", "connection:", "keep-alive:" })
        {
            Assert.DoesNotContain(hopByHop, head);
        }
        Assert.DoesNotContain("invalid for HTTP/2", server.Dram.Output);
    }

    /// <summary>Reads until <paramref name="marker"/> has arrived (null: until the end of the body).</summary>
    private static async Task ReadUntilAsync(Stream body, StringBuilder received, string? marker)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (marker is null || !received.ToString().Contains(marker, StringComparison.Ordinal))
        {
            var read = await body.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                Assert.True(marker is null, $"the body ended before '{marker}': {received}");
                return;
            }
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            Assert.DoesNotContain("TIMEOUT", received.ToString());
        }
    }
}
