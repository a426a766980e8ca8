using System.Globalization;
using System.Net.Sockets;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Logging;

/// <summary>
/// Every way a request can end gets its access log line, with the status the client was sent:
/// an app error, a timeout, a static file, a client that leaves mid-response or before it.
/// </summary>
public sealed class AccessLogOutcomeTests(AccessLoggedDram served) : IClassFixture<AccessLoggedDram>
{
    [Fact]
    public async Task AnAppErrorIsLoggedWithTheErrorResponse()
    {
        var mark = Mark();
        var response = await ExchangeAsync("GET /mnt/raise", mark);

        var line = await served.LineAsync(mark);
        Assert.Equal(500, response.StatusCode);
        Assert.Equal("500", line["s"]);
        Assert.Equal(response.Body.Length.ToString(CultureInfo.InvariantCulture), line["B"]);
    }

    [Fact]
    public async Task ATimedOutRequestIsLoggedAs504WhenItIsAnswered()
    {
        var mark = Mark();
        var response = await ExchangeAsync("GET /mnt/sleep?s=30", mark, timeout: TimeSpan.FromSeconds(60));

        var line = await served.LineAsync(mark);
        Assert.Equal(504, response.StatusCode);
        Assert.Equal("504", line["s"]);
        Assert.Equal(response.Body.Length.ToString(CultureInfo.InvariantCulture), line["B"]);
        Assert.True(long.Parse(line["D"], CultureInfo.InvariantCulture) >= 3_000_000, line["D"]);
        // The thread unwinding later does not log the request a second time.
        await Task.Delay(1000);
        Assert.Single(served.Log.Lines(), l => l.StartsWith(mark, StringComparison.Ordinal));
    }

    [Fact]
    public async Task StaticFilesAreLoggedWithoutPython()
    {
        var okMark = Mark();
        var ok = await ExchangeAsync("GET /static/hello.txt", okMark);
        var notModifiedMark = Mark();
        await ExchangeAsync("GET /static/hello.txt", notModifiedMark, $"If-None-Match: {ok.Header("ETag")}\r\n");
        var missingMark = Mark();
        await ExchangeAsync("GET /static/missing.txt", missingMark);
        var headMark = Mark();
        await ExchangeAsync("HEAD /static/hello.txt", headMark, head: true);

        var okLine = await served.LineAsync(okMark);
        Assert.Equal(("200", AccessLoggedDram.StaticFileContent.Length.ToString(CultureInfo.InvariantCulture)), (okLine["s"], okLine["B"]));
        Assert.Equal("GET /static/hello.txt HTTP/1.1", okLine["r"]);
        Assert.Equal("-", okLine["{app.note}e"]);
        var notModified = await served.LineAsync(notModifiedMark);
        Assert.Equal(("304", "-", "0"), (notModified["s"], notModified["b"], notModified["B"]));
        var missing = await served.LineAsync(missingMark);
        Assert.Equal("404", missing["s"]);
        var head = await served.LineAsync(headMark);
        Assert.Equal(("200", "0"), (head["s"], head["B"]));
    }

    [Fact]
    public async Task AClientLeavingMidResponseIsLoggedWithTheStatusSentAndTheBytesWritten()
    {
        var mark = Mark();
        const long total = 2000L * 65536;
        using (var connection = await RawHttpConnection.OpenAsync(served.Dram.Port))
        {
            await connection.SendAsync($"GET /mnt/stream?n=2000 HTTP/1.1\r\nHost: localhost\r\nX-Mark: {mark}\r\n\r\n");
            var buffer = new byte[65536];
            var stream = new NetworkStream(connection.Socket, ownsSocket: false);
            Assert.True(await stream.ReadAsync(buffer) > 0);
            connection.Socket.LingerState = new LingerOption(true, 0);
        }

        var line = await served.LineAsync(mark, TimeSpan.FromSeconds(60));
        Assert.Equal("200", line["s"]);
        var bytes = long.Parse(line["B"], CultureInfo.InvariantCulture);
        Assert.InRange(bytes, 1, total - 1);
    }

    [Fact]
    public async Task AClientLeavingBeforeTheResponseStartedIsLoggedAs499()
    {
        var mark = Mark();
        using (var connection = await RawHttpConnection.OpenAsync(served.Dram.Port))
        {
            // The app reads the whole body, which never comes: the client is gone before any answer.
            await connection.SendAsync($"POST /mnt/read HTTP/1.1\r\nHost: localhost\r\nX-Mark: {mark}\r\nContent-Length: 100000\r\n\r\nonly this");
            await Task.Delay(300);
            connection.Socket.LingerState = new LingerOption(true, 0);
        }

        var line = await served.LineAsync(mark);
        Assert.Equal("499", line["s"]);
        Assert.Equal(("-", "0"), (line["b"], line["B"]));
    }

    [Fact]
    public async Task AClientEndingItsSideBeforeTheWholeBodyIsLoggedAs499AndGetsNoAnswer()
    {
        var mark = Mark();
        using (var connection = await RawHttpConnection.OpenAsync(served.Dram.Port))
        {
            // A close rather than a reset: the app's read meets the end of the connection where the
            // rest of the body should be.
            await connection.SendAsync($"POST /mnt/read HTTP/1.1\r\nHost: localhost\r\nX-Mark: {mark}\r\nContent-Length: 100000\r\n\r\nonly this");
            var stream = new NetworkStream(connection.Socket, ownsSocket: false);
            await Task.Delay(300);
            connection.Socket.Shutdown(SocketShutdown.Send);
            var buffer = new byte[4096];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            // No answer: the connection ends (closed or reset) without a byte of a response.
            int read;
            try
            {
                read = await stream.ReadAsync(buffer, timeout.Token);
            }
            catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
            {
                read = 0;
            }
            Assert.Equal(0, read);
        }

        var line = await served.LineAsync(mark);
        Assert.Equal("499", line["s"]);
        Assert.Equal(("-", "0"), (line["b"], line["B"]));
    }

    private static string Mark() => Guid.NewGuid().ToString("N");

    private async Task<RawResponse> ExchangeAsync(string requestLine, string mark, string headers = "", bool head = false, TimeSpan? timeout = null) =>
        await RawHttpConnection.ExchangeAsync(served.Dram.Port,
            $"{requestLine} HTTP/1.1\r\nHost: localhost\r\nX-Mark: {mark}\r\nConnection: close\r\n{headers}\r\n", head, timeout);
}
