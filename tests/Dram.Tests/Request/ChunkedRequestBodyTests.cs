using Dram.Tests.Infrastructure;

namespace Dram.Tests.Request;

/// <summary>
/// Transfer-Encoding: chunked request bodies reach wsgi.input decoded, with no CONTENT_LENGTH and
/// wsgi.input_terminated True, so the app reads until read() returns b"".
/// </summary>
public sealed class ChunkedRequestBodyTests(InputProbeServer server) : IClassFixture<InputProbeServer>
{
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(10);

    private Task<InputReport> PostChunkedAsync(string calls, string chunkedBody) =>
        InputReport.FetchAsync(server.Port,
            $"POST /?{calls} HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n{chunkedBody}");

    [Fact]
    public async Task ChunksAreDecodedIntoTheBody()
    {
        var report = await PostChunkedAsync("read,read", "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n");
        Assert.Equal("hello, world", report.Bytes(0));
        Assert.Equal("", report.Bytes(1));
    }

    [Fact]
    public async Task ChunkedBodyHasNoContentLengthAndIsTerminated()
    {
        var report = await PostChunkedAsync("read", "3\r\nabc\r\n0\r\n\r\n");
        Assert.Null(report.ContentLength);
        Assert.True(report.InputTerminated);
    }

    [Fact]
    public async Task ReadSizeSpansChunkBoundaries()
    {
        var report = await PostChunkedAsync("read:4,read:4,read:4", "2\r\nab\r\n3\r\ncde\r\n1\r\nf\r\n4\r\nghij\r\n0\r\n\r\n");
        Assert.Equal(["abcd", "efgh", "ij"], Enumerable.Range(0, 3).Select(report.Bytes));
    }

    [Fact]
    public async Task ReadlineSpansChunkBoundaries()
    {
        var report = await PostChunkedAsync("readline,readline:3,readline,readlines", "3\r\nab\n\r\n4\r\ncdef\r\n3\r\ng\nh\r\n2\r\n\ni\r\n0\r\n\r\n");
        Assert.Equal("ab\n", report.Bytes(0));
        Assert.Equal("cde", report.Bytes(1));
        Assert.Equal("fg\n", report.Bytes(2));
        Assert.Equal(["h\n", "i"], report.Lines(3));
    }

    [Fact]
    public async Task ChunkExtensionsAndTrailersAreNotPartOfTheBody()
    {
        var report = await PostChunkedAsync("read", "4;name=value\r\nbody\r\n5;x\r\n-more\r\n0\r\nX-Checksum: 1234\r\nX-Other: 5\r\n\r\n");
        Assert.Equal("body-more", report.Bytes(0));
    }

    [Fact]
    public async Task HexSizesInEitherCaseWithLeadingZeros()
    {
        var a = new string('a', 10);
        var b = new string('b', 26);
        var report = await PostChunkedAsync("read", $"00A\r\n{a}\r\n1a\r\n{b}\r\n0\r\n\r\n");
        Assert.Equal(a + b, report.Bytes(0));
    }

    [Fact]
    public async Task ManyOneByteChunks()
    {
        var text = string.Concat(Enumerable.Range(0, 2000).Select(i => (char)('a' + i % 26)));
        var body = string.Concat(text.Select(c => $"1\r\n{c}\r\n")) + "0\r\n\r\n";
        var report = await PostChunkedAsync("read", body);
        Assert.Equal(text, report.Bytes(0));
    }

    [Fact]
    public async Task LargeChunksAreDecoded()
    {
        var chunk = new string('q', 200_000);
        var report = await PostChunkedAsync("read:150000,read", $"{chunk.Length:x}\r\n{chunk}\r\n{chunk.Length:x}\r\n{chunk}\r\n0\r\n\r\n");
        Assert.Equal(150_000, report.Bytes(0).Length);
        Assert.Equal(250_000, report.Bytes(1).Length);
    }

    [Fact]
    public async Task ChunksArrivingInSeparateWritesAreWaitedFor()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync("POST /?read:6,read HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
        await Task.Delay(150);
        await connection.SendAsync("3\r\ndef\r\n2\r\n");
        await Task.Delay(150);
        await connection.SendAsync("gh\r\n0\r\n\r\n");
        var report = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout));
        Assert.Equal("abcdef", report.Bytes(0));
        Assert.Equal("gh", report.Bytes(1));
    }

    [Fact]
    public async Task EmptyChunkedBodyReadsAsEmpty()
    {
        var report = await PostChunkedAsync("read,readline,readlines", "0\r\n\r\n");
        Assert.Equal("", report.Bytes(0));
        Assert.Equal("", report.Bytes(1));
        Assert.Empty(report.Lines(2));
    }

    [Fact]
    public async Task BytesAfterTheLastChunkAreTheNextRequest()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(
            "POST /first?read HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n" +
            "POST /second?read HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc");
        var first = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout));
        var second = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout));
        Assert.Equal("hi", first.Bytes(0));
        Assert.Equal("/second", second.Path);
        Assert.Equal("abc", second.Bytes(0));
    }

    [Fact]
    public async Task UnreadChunkedBodyIsSkippedBeforeTheNextRequest()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(
            "POST /first HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" +
            "GET /second HTTP/1.1\r\nHost: localhost\r\n\r\n");
        var first = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout));
        var second = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout));
        Assert.Equal("/first", first.Path);
        Assert.Equal("/second", second.Path);
    }

    [Fact]
    public async Task ChunkedWinsOverContentLengthAndTheConnectionIsClosedAfter()
    {
        // A request with both framings is a request-smuggling vector: the body is read as chunked,
        // Content-Length is not passed on, and nothing after it on the connection is trusted.
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(
            "POST /both?read HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" +
            "GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n");
        var response = await connection.ReadResponseAsync(timeout: ResponseTimeout);
        var report = InputReport.From(response);
        Assert.Equal("hello", report.Bytes(0));
        Assert.Null(report.ContentLength);
        Assert.Equal("close", response.Header("Connection"));
        Assert.True(await connection.IsClosedByServerAsync(ResponseTimeout));
    }

    [Fact]
    public async Task MalformedChunkSizeGets400WhenTheAppReads()
    {
        var response = await RawHttpConnection.ExchangeAsync(server.Port,
            "POST /?read HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", timeout: ResponseTimeout);
        Assert.Equal(400, response.StatusCode);
    }

    [Fact]
    public async Task ChunkLongerThanItsSizeGets400WhenTheAppReads()
    {
        var response = await RawHttpConnection.ExchangeAsync(server.Port,
            "POST /?read HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", timeout: ResponseTimeout);
        Assert.Equal(400, response.StatusCode);
    }
}
