using Dram.Tests.Infrastructure;

namespace Dram.Tests.Responses;

/// <summary>
/// App faults: before the head is sent they become a plain 500 (traceback in the log, server
/// keeps serving); after it, the connection is aborted so the client never takes a partial
/// response for a complete one.
/// </summary>
public sealed class AppErrorTests(ResponsesApp server) : IClassFixture<ResponsesApp>
{
    [Fact]
    public async Task ExceptionBeforeStartResponseGives500AndTheConnectionKeepsServing()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(Wire.Request("/error/before-start"));
        var response = await connection.ReadResponseAsync(timeout: Wire.Timeout);

        Assert.Equal("HTTP/1.1 500 Internal Server Error", response.StatusLine);
        Assert.Equal("text/plain; charset=utf-8", response.Header("Content-Type"));
        Assert.Equal("Internal Server Error\n", response.BodyText);
        var entry = await ErrorLogEntry.WaitForAsync(server.Dram, "GET /error/before-start:",
            "Traceback (most recent call last):", "in error_before_start", "BeforeStartError: raised before start_response");
        Assert.Contains("[ERROR] Error handling request GET /error/before-start:", entry);
        // The app's traceback is logged, not sent.
        Assert.DoesNotContain("BeforeStartError", response.BodyText);

        await connection.SendAsync(Wire.Request("/hello"));
        var next = await connection.ReadResponseAsync(timeout: Wire.Timeout);
        Assert.Equal("hello", next.BodyText);
    }

    [Fact]
    public async Task ExceptionAfterTheFirstChunkAbortsTheConnection()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(Wire.Request("/error/after-data"));
        var wire = await Wire.ReadUntilClosedAsync(connection);

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", wire);
        Assert.Contains("\r\n\r\nb\r\nfirst chunk\r\n", wire);
        Assert.False(wire.EndsWith("0\r\n\r\n", StringComparison.Ordinal), "the aborted response looks complete:\n" + wire);
        Assert.DoesNotContain("Internal Server Error", wire);
        var entry = await ErrorLogEntry.WaitForAsync(server.Dram, "GET /error/after-data:", "AfterDataError: raised after the first chunk");
        Assert.Contains("the response had already started, so the connection was closed", entry);
    }

    [Fact]
    public async Task ReturningNoneGives500AndSaysItIsNotAnIterable()
    {
        var response = await Wire.GetAsync(server.Port, "/error/none");

        Assert.Equal(500, response.StatusCode);
        Assert.Equal("Internal Server Error\n", response.BodyText);
        await ErrorLogEntry.WaitForAsync(server.Dram, "GET /error/none:",
            "the application returned None; a WSGI application must return an iterable of bytes, such as [body] ([] for no body)");
    }

    [Fact]
    public async Task StrInTheBodyGives500AndSaysToEncodeIt()
    {
        var response = await Wire.GetAsync(server.Port, "/error/str-body");

        Assert.Equal(500, response.StatusCode);
        Assert.Equal("Internal Server Error\n", response.BodyText);
        Assert.DoesNotContain("text, not bytes", response.BodyText);
        await ErrorLogEntry.WaitForAsync(server.Dram, "GET /error/str-body:",
            "the response body holds a str; every chunk of a WSGI body must be bytes: encode text first (text.encode())");
    }

    [Theory]
    [InlineData("/error/str-after-data", "\r\n\r\nb\r\nbytes first\r\n")]
    [InlineData("/error/str-in-list", "\r\n\r\na\r\nbytes item\r\n")]
    [InlineData("/error/str-in-list-iterator", "\r\n\r\na\r\nbytes item\r\n")]
    public async Task StrAfterBytesWereSentAbortsTheConnection(string path, string sentFirst)
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(Wire.Request(path));
        var wire = await Wire.ReadUntilClosedAsync(connection);

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", wire);
        Assert.Contains(sentFirst, wire);
        Assert.DoesNotContain("str item", wire);
        Assert.DoesNotContain("then a str", wire);
        Assert.False(wire.EndsWith("0\r\n\r\n", StringComparison.Ordinal), "the aborted response looks complete:\n" + wire);
        var entry = await ErrorLogEntry.WaitForAsync(server.Dram, $"GET {path}:", "the response body holds a str; every chunk of a WSGI body must be bytes");
        Assert.Contains("the response had already started, so the connection was closed to show it is incomplete", entry);
    }

    [Fact]
    public async Task NeverCallingStartResponseGives500()
    {
        var response = await Wire.GetAsync(server.Port, "/error/no-start-response");

        Assert.Equal(500, response.StatusCode);
        Assert.Equal("Internal Server Error\n", response.BodyText);
        await ErrorLogEntry.WaitForAsync(server.Dram, "GET /error/no-start-response:", "the application returned without calling start_response()");
    }

    [Fact]
    public async Task BodyDataBeforeStartResponseGives500()
    {
        var response = await Wire.GetAsync(server.Port, "/error/no-start-response-with-data");

        Assert.Equal(500, response.StatusCode);
        Assert.Equal("Internal Server Error\n", response.BodyText);
        Assert.DoesNotContain("data without a status", response.BodyText);
        await ErrorLogEntry.WaitForAsync(server.Dram, "GET /error/no-start-response-with-data:",
            "the application produced body data before calling start_response()");
    }
}
