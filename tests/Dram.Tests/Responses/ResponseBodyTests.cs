using Dram.Tests.Infrastructure;

namespace Dram.Tests.Responses;

/// <summary>How the body is framed on the wire: Content-Length (given, computed, exceeded, not reached), chunked, close-delimited, HEAD, 204/304.</summary>
public sealed class ResponseBodyTests(ResponsesApp server) : IClassFixture<ResponsesApp>
{
    [Fact]
    public async Task ListBodyWithoutContentLengthGetsAComputedContentLength()
    {
        var wire = await Wire.AllBytesAsync(server.Port, Wire.Request("/body/list", close: true));

        Assert.Contains("\r\nContent-Length: 11\r\n", wire);
        Assert.DoesNotContain("Transfer-Encoding", wire);
        Assert.EndsWith("\r\n\r\nhello world", wire);
    }

    [Fact]
    public async Task DeclaredContentLengthIsSentAsGiven()
    {
        var response = await Wire.GetAsync(server.Port, "/body/declared-length");

        Assert.Equal("11", response.Header("Content-Length"));
        Assert.False(response.Chunked);
        Assert.Equal("hello world", response.BodyText);
    }

    [Fact]
    public async Task GeneratorBodyWithoutContentLengthIsChunkedOnHttp11()
    {
        var wire = await Wire.AllBytesAsync(server.Port, Wire.Request("/body/generator", close: true));

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", wire);
        Assert.Contains("\r\nTransfer-Encoding: chunked\r\n", wire);
        Assert.DoesNotContain("Content-Length", wire);
        // Chunks the app yields back to back may share one HTTP chunk (they are sent together while
        // the app produces the next); the decoded body is what it yielded.
        var body = wire[(wire.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.True(body == "6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n" || body == "b\r\nhello world\r\n0\r\n\r\n", $"chunked body: {body}");
    }

    [Fact]
    public async Task ChunksOfAListIteratorGoOutAsOneHttpChunk()
    {
        // Django's HttpResponse answers iter(list): every chunk exists before the first is sent, so
        // they are sent together when the app is done, as a list's are.
        var wire = await Wire.AllBytesAsync(server.Port, Wire.Request("/body/list-iterator", close: true));

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", wire);
        Assert.Contains("\r\nTransfer-Encoding: chunked\r\n", wire);
        Assert.EndsWith("\r\n\r\n898\r\n" + string.Concat(Enumerable.Repeat("hello world", 200)) + "\r\n0\r\n\r\n", wire);
    }

    [Fact]
    public async Task ChunksOfATupleIteratorLargerThanAWriteSliceArriveWholeOnAKeptAliveConnection()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        for (var i = 0; i < 3; i++)
        {
            await connection.SendAsync(Wire.Request("/body/list-iterator-big"));
            var response = await connection.ReadResponseAsync(timeout: Wire.Timeout);

            Assert.Equal("HTTP/1.1 200 OK", response.StatusLine);
            Assert.Equal("500007", response.Header("Content-Length"));
            Assert.Equal(new string('a', 200_000) + new string('b', 300_000) + "ccccccc", response.BodyText);
        }
    }

    [Fact]
    public async Task GeneratorBodyWithoutContentLengthIsCloseDelimitedOnHttp10()
    {
        // HTTP/1.0 has no chunked encoding: the end of the body is the end of the connection.
        var wire = await Wire.AllBytesAsync(server.Port, Wire.Request("/body/generator", version: "HTTP/1.0"));

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", wire);
        Assert.DoesNotContain("Transfer-Encoding", wire);
        Assert.DoesNotContain("Content-Length", wire);
        Assert.Contains("\r\nConnection: close\r\n", wire);
        Assert.EndsWith("\r\n\r\nhello world", wire);
    }

    [Fact]
    public async Task BodyLongerThanContentLengthIsCutAtTheDeclaredLength()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(Wire.Request("/body/too-long?tag=cut"));
        var response = await connection.ReadResponseAsync(timeout: Wire.Timeout);

        Assert.Equal("5", response.Header("Content-Length"));
        Assert.Equal("abcde", response.BodyText);
        await ErrorLogEntry.WaitForAsync(server.Dram, "GET /body/too-long: the app sent more than its Content-Length of 5 bytes");

        // Nothing past the 5 bytes reached the socket: the next response on the connection parses cleanly.
        await connection.SendAsync(Wire.Request("/hello"));
        var next = await connection.ReadResponseAsync(timeout: Wire.Timeout);
        Assert.Equal("HTTP/1.1 200 OK", next.StatusLine);
        Assert.Equal("hello", next.BodyText);
    }

    [Fact]
    public async Task WritesPastContentLengthAreDroppedAndLoggedOnce()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(Wire.Request("/body/write-past-length"));
        var response = await connection.ReadResponseAsync(timeout: Wire.Timeout);

        Assert.Equal("5", response.Header("Content-Length"));
        Assert.Equal("abcde", response.BodyText);
        // The next request on the connection runs only after the first one finished, so by then
        // every log line of the first is written.
        await connection.SendAsync(Wire.Request("/hello"));
        Assert.Equal("hello", (await connection.ReadResponseAsync(timeout: Wire.Timeout)).BodyText);
        const string line = "GET /body/write-past-length: the app sent more than its Content-Length of 5 bytes";
        await ErrorLogEntry.WaitForAsync(server.Dram, line);
        await Task.Delay(500);
        Assert.Single(server.Dram.Output.Split('\n'), l => l.Contains(line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task BodyShorterThanContentLengthIsFollowedByClosingTheConnection()
    {
        // Keep-alive request: only the server closing shows the client the body is incomplete.
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(Wire.Request("/body/too-short"));
        var wire = await Wire.ReadUntilClosedAsync(connection);

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", wire);
        Assert.Contains("\r\nContent-Length: 10\r\n", wire);
        Assert.EndsWith("\r\n\r\nhello", wire);
        await ErrorLogEntry.WaitForAsync(server.Dram, "GET /body/too-short: the app sent 5 of its Content-Length of 10 bytes");
    }

    [Fact]
    public async Task ShortBodyIsReportedAsIncompleteByAnHttpClient()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(Wire.Request("/body/too-short"));

        var error = await Assert.ThrowsAsync<EndOfStreamException>(() => connection.ReadResponseAsync(timeout: Wire.Timeout));
        Assert.Contains("after 5 of 10 body bytes", error.Message);
    }

    [Theory]
    [InlineData("/body/list")]
    [InlineData("/body/declared-length")]
    public async Task HeadSendsTheHeadersOfGetWithoutTheBody(string path)
    {
        var get = await Wire.GetAsync(server.Port, path);
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(Wire.Request(path, "HEAD"));
        var head = await connection.ReadResponseAsync(head: true, timeout: Wire.Timeout);

        Assert.Equal(get.StatusLine, head.StatusLine);
        Assert.Equal("11", head.Header("Content-Length"));
        Assert.Equal(Without("Date", get.Headers), Without("Date", head.Headers));

        // Had any body byte been sent, it would be read as the start of the next response.
        await connection.SendAsync(Wire.Request("/hello"));
        var next = await connection.ReadResponseAsync(timeout: Wire.Timeout);
        Assert.Equal("HTTP/1.1 200 OK", next.StatusLine);
        Assert.Equal("hello", next.BodyText);
    }

    [Theory]
    [InlineData("/close/endless")]
    [InlineData("/close/endless-generator")]
    public async Task HeadToAnEndlessBodyGetsItsHeadAndTheIterableIsClosed(string path)
    {
        // Nothing of a HEAD body is sent, so the server has no reason to keep pulling it: an
        // endless one would hold a Python thread forever (and no write would ever notice the
        // client leaving).
        var tag = CloseCount.NewTag();
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(Wire.Request($"{path}?tag={tag}", "HEAD"));
        var response = await connection.ReadResponseAsync(head: true, timeout: TimeSpan.FromSeconds(5));

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(1, await CloseCount.WaitForAsync(server.Port, tag));
        await connection.SendAsync(Wire.Request("/hello"));
        Assert.Equal("hello", (await connection.ReadResponseAsync(timeout: Wire.Timeout)).BodyText);
    }

    [Theory]
    [InlineData("/body/204", "HTTP/1.1 204 No Content")]
    [InlineData("/body/304", "HTTP/1.1 304 Not Modified")]
    public async Task BodylessStatusSendsNoBodyEvenWhenTheAppYieldsBytes(string path, string statusLine)
    {
        // Two pipelined requests: body bytes after the 204/304 head would corrupt the second response.
        var wire = await Wire.AllBytesAsync(server.Port, Wire.Request(path) + Wire.Request("/hello", close: true));

        Assert.StartsWith(statusLine + "\r\n", wire);
        Assert.DoesNotContain("has no body", wire);
        var second = wire.IndexOf("HTTP/1.1 200 OK\r\n", StringComparison.Ordinal);
        Assert.True(second > 0, "no second response:\n" + wire);
        var first = wire[..second];
        Assert.EndsWith("\r\n\r\n", first);
        Assert.DoesNotContain("Content-Length", first);
        Assert.DoesNotContain("Transfer-Encoding", first);
        Assert.EndsWith("\r\n\r\nhello", wire);
    }

    private static List<KeyValuePair<string, string>> Without(string name, IEnumerable<KeyValuePair<string, string>> headers) =>
        headers.Where(h => !h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).OrderBy(h => h.Key, StringComparer.Ordinal).ToList();
}
