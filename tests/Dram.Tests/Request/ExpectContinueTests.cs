using Dram.Tests.Infrastructure;

namespace Dram.Tests.Request;

/// <summary>
/// Expect: 100-continue: the client waits for "100 Continue" before sending the body, and gets it
/// only once the app starts reading wsgi.input; an app that never reads answers with its final
/// response straight away, so the client need not send a body nobody wants.
/// </summary>
public sealed class ExpectContinueTests(InputProbeServer server) : IClassFixture<InputProbeServer>
{
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AppReadingTheBodyGets100ContinueThenTheBody()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync("POST /upload?read HTTP/1.1\r\nHost: localhost\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n");
        var interim = await connection.ReadResponseAsync(timeout: ResponseTimeout, keepInterim: true);
        Assert.Equal("HTTP/1.1 100 Continue", interim.StatusLine);
        Assert.Empty(interim.Body);

        await connection.SendAsync("hello world");
        var final = await connection.ReadResponseAsync(timeout: ResponseTimeout, keepInterim: true);
        var report = InputReport.From(final);
        Assert.Equal("hello world", report.Bytes(0));
    }

    [Fact]
    public async Task ChunkedBodyAfter100Continue()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync("POST /upload?read HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n");
        var interim = await connection.ReadResponseAsync(timeout: ResponseTimeout, keepInterim: true);
        Assert.Equal(100, interim.StatusCode);

        await connection.SendAsync("4\r\nabcd\r\n0\r\n\r\n");
        var report = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout, keepInterim: true));
        Assert.Equal("abcd", report.Bytes(0));
    }

    [Fact]
    public async Task AppNotReadingTheBodyAnswersWithoutContinue()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync("POST /ignored HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        var first = await connection.ReadResponseAsync(timeout: ResponseTimeout, keepInterim: true);
        Assert.Equal(200, first.StatusCode);
        Assert.Equal("/ignored", InputReport.From(first).Path);
    }

    [Fact]
    public async Task BodySentAnywayAfterTheFinalResponseIsNotTakenForARequest()
    {
        // The client may send the body it announced after all; it is discarded, and the request
        // after it on the same connection is answered.
        const string body = "GET /x HTTP/1.1\r\nHi: 1\r\n\r\n";
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync($"POST /ignored HTTP/1.1\r\nHost: localhost\r\nContent-Length: {body.Length}\r\nExpect: 100-continue\r\n\r\n");
        var first = await connection.ReadResponseAsync(timeout: ResponseTimeout, keepInterim: true);
        Assert.Equal(200, first.StatusCode);

        await connection.SendAsync(body + "GET /next HTTP/1.1\r\nHost: localhost\r\n\r\n");
        var next = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout, keepInterim: true));
        Assert.Equal("/next", next.Path);
    }

    [Fact]
    public async Task RequestWithoutExpectGetsNoInterimResponse()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync("POST /plain?read HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nok");
        var first = await connection.ReadResponseAsync(timeout: ResponseTimeout, keepInterim: true);
        Assert.Equal(200, first.StatusCode);
        Assert.Equal("ok", InputReport.From(first).Bytes(0));
    }
}
