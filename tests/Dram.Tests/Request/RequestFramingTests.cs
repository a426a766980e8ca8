using System.Net.Sockets;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Request;

/// <summary>
/// Where one request's body ends: wsgi.input stops at Content-Length, bytes after it are the next
/// request whether or not the app read its body, and a body cut short by the client ends the
/// request without an answer and without harming the server.
/// </summary>
public sealed class RequestFramingTests(InputProbeServer server) : IClassFixture<InputProbeServer>
{
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task BodyEndsAtContentLengthAndTheFollowingBytesAreTheNextRequest()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(
            "POST /first?read:100,read,readline HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello" +
            "POST /second?read HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc");
        var first = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout));
        var second = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout));
        Assert.Equal("/first", first.Path);
        Assert.Equal("hello", first.Bytes(0));
        Assert.Equal("", first.Bytes(1));
        Assert.Equal("", first.Bytes(2));
        Assert.Equal("/second", second.Path);
        Assert.Equal("abc", second.Bytes(0));
    }

    [Fact]
    public async Task ReadlineDoesNotRunPastContentLength()
    {
        // The body has no newline; the next request's bytes (which do) must not complete the line.
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(
            "POST /first?readline,readline HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\n\r\nabcd" +
            "GET /second HTTP/1.1\r\nHost: localhost\r\n\r\n");
        var first = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout));
        var second = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout));
        Assert.Equal("abcd", first.Bytes(0));
        Assert.Equal("", first.Bytes(1));
        Assert.Equal("/second", second.Path);
    }

    [Fact]
    public async Task UnreadBodyIsSkippedEvenWhenItLooksLikeARequest()
    {
        const string smuggled = "GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n";
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(
            $"POST /first HTTP/1.1\r\nHost: localhost\r\nContent-Length: {smuggled.Length}\r\n\r\n{smuggled}" +
            "GET /second HTTP/1.1\r\nHost: localhost\r\n\r\n");
        var first = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout));
        var second = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout));
        await connection.SendAsync("GET /third HTTP/1.1\r\nHost: localhost\r\n\r\n");
        var third = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout));
        Assert.Equal(["/first", "/second", "/third"], new[] { first.Path, second.Path, third.Path });
    }

    [Fact]
    public async Task PartlyReadBodyIsSkippedBeforeTheNextRequest()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(
            "POST /first?read:3 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\n0123456789" +
            "POST /second?read HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nok");
        var first = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout));
        var second = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout));
        Assert.Equal("012", first.Bytes(0));
        Assert.Equal("/second", second.Path);
        Assert.Equal("ok", second.Bytes(0));
    }

    [Fact]
    public async Task LargeUnreadBodyIsSkippedBeforeTheNextRequest()
    {
        var body = new string('u', 2 * 1024 * 1024);
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync($"POST /first HTTP/1.1\r\nHost: localhost\r\nContent-Length: {body.Length}\r\n\r\n{body}" +
            "GET /second HTTP/1.1\r\nHost: localhost\r\n\r\n");
        var first = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout));
        var second = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout));
        Assert.Equal("/first", first.Path);
        Assert.Equal("/second", second.Path);
    }

    [Theory]
    [InlineData("Content-Length: abc\r\n")]
    [InlineData("Content-Length: -1\r\n")]
    [InlineData("Content-Length: 3\r\nContent-Length: 4\r\n")]
    [InlineData("Content-Length: 3\r\nContent-Length: 3\r\n")]
    public async Task UnusableContentLengthIsRejectedBeforeTheApp(string headers)
    {
        // A body whose length is unclear cannot be framed safely (request smuggling): 400, connection closed.
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync($"POST /?read HTTP/1.1\r\nHost: localhost\r\n{headers}\r\nabcd");
        var response = await connection.ReadResponseAsync(timeout: ResponseTimeout);
        Assert.Equal(400, response.StatusCode);
        Assert.True(await connection.IsClosedByServerAsync(ResponseTimeout));
    }

    [Fact]
    public async Task Http10RequestBodyIsReadByContentLength()
    {
        var report = await InputReport.FetchAsync(server.Port, "POST /old?read,read HTTP/1.0\r\nContent-Length: 4\r\n\r\nold!");
        Assert.Equal("old!", report.Bytes(0));
        Assert.Equal("", report.Bytes(1));
    }

    [Fact]
    public async Task ClientClosingMidBodyEndsTheRequestWithoutAnInternalError()
    {
        await using var dram = await DramProcess.StartAsync("input_probe:application");
        using (var connection = await RawHttpConnection.OpenAsync(dram.Port))
        {
            await connection.SendAsync("POST /cut?read HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0123456789");
            // The idle Python thread takes the request at once; the client leaves while the app
            // waits in read() (one that left before would never reach the app: the next test).
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            // Closed with 90 bytes of the body still owed: the app's read() cannot complete.
        }
        Assert.True(await dram.WaitForOutputAsync("POST /cut"), dram.Output);
        await AssertStillServesAsync(dram);
        await dram.StopAsync();
        Assert.Contains("OSError: could not read the request body", dram.Output);
        Assert.DoesNotContain("Internal error", dram.Output);
        Assert.DoesNotContain("[CRITICAL]", dram.Output);
    }

    [Fact]
    public async Task ABodyCutOffWhileTheRequestWaitsForAThreadNeverReachesTheApp()
    {
        // The only Python thread sleeps while an upload behind it loses its client: running the app
        // for it would only fail its read() (a Django traceback) and delay every request queued after.
        await using var dram = await DramProcess.StartAsync("access_log_app:application", ["--threads", "1", "--access-logfile", "-"]);
        var sleeping = RawHttpConnection.ExchangeAsync(dram.Port, "GET /sleep?s=1.5 HTTP/1.1\r\nHost: localhost\r\n\r\n", timeout: ResponseTimeout);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        using (var connection = await RawHttpConnection.OpenAsync(dram.Port))
        {
            await connection.SendAsync("POST /read HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0123456789");
        }
        Assert.Equal(201, (await sleeping).StatusCode);
        Assert.True(await dram.WaitForOutputAsync(
            "POST /read: the client closed the connection before sending the whole body (Content-Length 100) while the request waited for a Python thread; the app was not called (logged as 499)"), dram.Output);
        Assert.True(await dram.WaitForOutputAsync("\"POST /read HTTP/1.1\" 499 "), dram.Output);
        // The thread goes on to the next request straight away.
        var next = await RawHttpConnection.ExchangeAsync(dram.Port, "POST /read HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\n\r\nfour", timeout: ResponseTimeout);
        Assert.Equal(200, next.StatusCode);
        Assert.Equal("4", next.BodyText);
        await dram.StopAsync();
        Assert.DoesNotContain("could not read the request body", dram.Output);
        Assert.DoesNotContain("Error handling request", dram.Output);
    }

    [Fact]
    public async Task ClientHalfClosingMidBodyGetsTheConnectionClosedWithoutAResponse()
    {
        await using var dram = await DramProcess.StartAsync("input_probe:application");
        using (var connection = await RawHttpConnection.OpenAsync(dram.Port))
        {
            await connection.SendAsync("POST /half?read HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0123456789");
            connection.Socket.Shutdown(SocketShutdown.Send);
            var received = await connection.ReadToEndAsync(new CancellationTokenSource(ResponseTimeout).Token);
            // The request is incomplete and the client can send no more: there is nothing to answer.
            Assert.Empty(received);
        }
        Assert.True(await dram.WaitForOutputAsync("POST /half"), dram.Output);
        await AssertStillServesAsync(dram);
        await dram.StopAsync();
        Assert.DoesNotContain("Internal error", dram.Output);
        Assert.DoesNotContain("[CRITICAL]", dram.Output);
    }

    [Fact]
    public async Task ClientStallingMidBodyGets408()
    {
        // The client keeps the connection open but stops sending: the app's read fails once the
        // body falls below Kestrel's minimum data rate, and the client is told with 408.
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync("POST /stall?read HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0123456789");
        var response = await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(408, response.StatusCode);
        Assert.True(await connection.IsClosedByServerAsync(ResponseTimeout));
    }

    private static async Task AssertStillServesAsync(DramProcess dram)
    {
        var report = await InputReport.FetchAsync(dram.Port, "POST /after?read HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\n\r\nnext");
        Assert.Equal("next", report.Bytes(0));
    }
}
