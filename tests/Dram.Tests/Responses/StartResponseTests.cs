using Dram.Tests.Infrastructure;

namespace Dram.Tests.Responses;

/// <summary>start_response(): the write() callable it returns, second calls with and without exc_info, lazy calls.</summary>
public sealed class StartResponseTests(ResponsesApp server) : IClassFixture<ResponsesApp>
{
    [Fact]
    public async Task WriteOutputComesBeforeTheIterableOutputInCallOrder()
    {
        var response = await Wire.GetAsync(server.Port, "/write/order");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("one,two,three,four", response.BodyText);
        // write() sent the head before the server could count the body, so it must be chunked.
        Assert.True(response.Chunked);
        Assert.Null(response.Header("Content-Length"));
    }

    [Fact]
    public async Task WriteWithStrRaisesTypeErrorInsideTheApp()
    {
        var response = await Wire.GetAsync(server.Port, "/write/str");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("TypeError: write() takes bytes, got str", response.BodyText);
    }

    /// <summary>
    /// Positional and keyword arguments, unpacked ones, functools.partial and the type's own call
    /// slot (the tuple path) all reach the same checks: each accepted call replaces the head, each
    /// refused one raises a TypeError the app can catch, and the response has the last status.
    /// </summary>
    [Fact]
    public async Task EveryCallingConventionIsAcceptedOrRefusedAlike()
    {
        var response = await Wire.GetAsync(server.Port, "/start/calling-conventions");

        Assert.Equal("HTTP/1.1 207 Multi-Status", response.StatusLine);
        const string Takes = "TypeError: start_response() takes (status, response_headers, exc_info=None)";
        const string OnlyExcInfo = "TypeError: start_response() accepts only the keyword argument exc_info";
        Assert.Equal(
            string.Join("\n",
                "no headers: " + Takes,
                "four arguments: " + Takes,
                "keyword status: " + OnlyExcInfo,
                "unknown keyword: " + OnlyExcInfo,
                "unknown keyword, call slot: " + OnlyExcInfo,
                "positional: accepted",
                "exc_info keyword: accepted",
                "star arguments: accepted",
                "partial: accepted",
                "call slot: accepted",
                "exc_info keyword, call slot: accepted"),
            response.BodyText);
    }

    [Fact]
    public async Task SecondCallWithoutExcInfoRaisesInsideTheAppAndGives500()
    {
        var response = await Wire.GetAsync(server.Port, "/start/twice");

        Assert.Equal(500, response.StatusCode);
        Assert.Equal("Internal Server Error\n", response.BodyText);
        var entry = await ErrorLogEntry.WaitForAsync(server.Dram, "GET /start/twice:", "AssertionError", "in start_twice");
        Assert.Contains("start_response() was called a second time without exc_info", entry);
    }

    [Fact]
    public async Task ExcInfoBeforeAnyBodyReplacesStatusAndHeaders()
    {
        var response = await Wire.GetAsync(server.Port, "/start/exc-info-before-headers");

        Assert.Equal("HTTP/1.1 503 Service Unavailable", response.StatusLine);
        Assert.Equal("yes", response.Header("X-Second"));
        Assert.Null(response.Header("X-First"));
        Assert.Equal("custom error page", response.BodyText);
        Assert.Equal("17", response.Header("Content-Length"));
    }

    [Fact]
    public async Task ExcInfoAfterTheHeadWasSentReraisesIntoTheAppAndAbortsTheConnection()
    {
        // No "Connection: close": the server closing the connection is the abort.
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(Wire.Request("/start/exc-info-after-headers"));
        var wire = await Wire.ReadUntilClosedAsync(connection);

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", wire);
        Assert.Contains("Transfer-Encoding: chunked\r\n", wire);
        Assert.Contains("partial body", wire);
        // start_response raised, so the generator never got past it...
        Assert.DoesNotContain("start_response returned instead of raising", wire);
        // ...and the chunked body never got its last chunk: the client can tell it is incomplete.
        Assert.False(wire.EndsWith("0\r\n\r\n", StringComparison.Ordinal), "the aborted response looks complete:\n" + wire);
        var entry = await ErrorLogEntry.WaitForAsync(server.Dram, "GET /start/exc-info-after-headers:", "ValueError: late failure after headers");
        Assert.Contains("the response had already started", entry);
    }

    [Fact]
    public async Task StartResponseCalledDuringTheFirstIterationWorks()
    {
        var response = await Wire.GetAsync(server.Port, "/start/in-generator");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("yes", response.Header("X-Lazy"));
        Assert.Equal("lazy body", response.BodyText);
    }

    [Fact]
    public async Task EmptyFirstChunkDoesNotSendTheHeadSoALaterErrorIsAClean500()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(Wire.Request("/start/empty-then-raise"));
        var response = await connection.ReadResponseAsync(timeout: Wire.Timeout);

        Assert.Equal("HTTP/1.1 500 Internal Server Error", response.StatusLine);
        Assert.Null(response.Header("X-Should-Not-Appear"));
        Assert.Equal("Internal Server Error\n", response.BodyText);
        Assert.Equal("22", response.Header("Content-Length"));
        await ErrorLogEntry.WaitForAsync(server.Dram, "GET /start/empty-then-raise:", "RuntimeError: failed before any body data");

        // A clean response keeps the connection usable.
        await connection.SendAsync(Wire.Request("/hello"));
        var next = await connection.ReadResponseAsync(timeout: Wire.Timeout);
        Assert.Equal("hello", next.BodyText);
    }
}
