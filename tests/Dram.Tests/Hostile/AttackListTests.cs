using System.Text;
using System.Text.Json;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Hostile;

/// <summary>
/// The request-smuggling and header-abuse attacks known from other servers' CVEs, each sent as raw
/// bytes with an innocent request pipelined right behind it. Whatever the attack, the server
/// answers it once (400, 413, 414 or 431, or a framing it can vouch for) and closes the connection:
/// the bytes after it are never read as a second request.
/// </summary>
public sealed class AttackListTests(HostileApp server) : IClassFixture<HostileApp>
{
    private const string Section = "Hostile clients";
    private const string Pipelined = "GET /echo?pipelined HTTP/1.1\r\nHost: localhost\r\n\r\n";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    /// <summary>Requests Dram must refuse before the app sees them: scenario, request head (and body), status.</summary>
    public static TheoryData<string, string, int> RefusedBeforeTheApp => new()
    {
        { "Transfer-Encoding: xchunked", "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: xchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400 },
        { "Transfer-Encoding: chunked, then a second Transfer-Encoding: x", "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400 },
        { "Transfer-Encoding: chunked, identity", "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked, identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400 },
        { "Transfer-Encoding: identity beside Content-Length", "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: identity\r\nContent-Length: 5\r\n\r\nhello", 400 },
        { "Transfer-Encoding: \"chunked\" (quoted)", "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: \"chunked\"\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400 },
        { "Transfer-Encoding: chunked followed by a vertical tab", "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\v\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400 },
        { "Transfer-Encoding: form feed before chunked", "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding:\fchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400 },
        { "Transfer-Encoding: no-break space (0xA0) before chunked", "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: \u00a0chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400 },
        { "Space before the colon of Transfer-Encoding", "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding : chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400 },
        { "Content-Length: +5", "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: +5\r\n\r\nhello", 400 },
        { "Content-Length: 0x5", "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0x5\r\n\r\nhello", 400 },
        { "Content-Length: 0_5", "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0_5\r\n\r\nhello", 400 },
        { "Content-Length: -0", "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: -0\r\n\r\nhello", 400 },
        { "Content-Length: -1", "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\nhello", 400 },
        { "Content-Length: 1 0 (space inside)", "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1 0\r\n\r\nhellohello", 400 },
        { "Content-Length empty", "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length:\r\n\r\nhello", 400 },
        { "Content-Length of 23 digits", "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 99999999999999999999999\r\n\r\nhello", 400 },
        { "Content-Length: 5, 5 (list)", "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5, 5\r\n\r\nhello", 400 },
        { "Content-Length: 5, 6 (conflicting list)", "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5, 6\r\n\r\nhello!", 400 },
        { "Content-Length twice, same value", "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400 },
        { "Content-Length twice, different values and case", "POST /echo HTTP/1.1\r\nHost: localhost\r\ncontent-length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400 },
        { "Bare LF ending every line", "GET /echo HTTP/1.1\nHost: localhost\n\n", 400 },
        { "Bare LF ending one header line", "GET /echo HTTP/1.1\r\nHost: localhost\nX-A: b\r\n\r\n", 400 },
        { "Bare LF hiding a Content-Length inside another header", "GET /echo HTTP/1.1\r\nHost: localhost\r\nX-A: b\nContent-Length: 30\r\n\r\n", 400 },
        { "Bare CR inside a header line", "GET /echo HTTP/1.1\r\nHost: localhost\rX-A: b\r\n\r\n", 400 },
        { "Bare CR ending the request line", "GET /echo HTTP/1.1\rHost: localhost\r\n\r\n", 400 },
        { "NUL in a header value", "GET /echo HTTP/1.1\r\nHost: localhost\r\nX-A: a\0b\r\n\r\n", 400 },
        { "NUL in a header name", "GET /echo HTTP/1.1\r\nHost: localhost\r\nX\0A: b\r\n\r\n", 400 },
        { "NUL in the request target", "GET /echo\0x HTTP/1.1\r\nHost: localhost\r\n\r\n", 400 },
        { "CR inside a header value", "GET /echo HTTP/1.1\r\nHost: localhost\r\nX-A: a\rb\r\n\r\n", 400 },
        { "Space before the colon of a header", "GET /echo HTTP/1.1\r\nHost: localhost\r\nX-A : b\r\n\r\n", 400 },
        { "Tab before the colon of a header", "GET /echo HTTP/1.1\r\nHost: localhost\r\nX-A\t: b\r\n\r\n", 400 },
        { "Obsolete line folding (obs-fold)", "GET /echo HTTP/1.1\r\nHost: localhost\r\nX-A: b\r\n c\r\n\r\n", 400 },
        { "First header line starting with whitespace", "GET /echo HTTP/1.1\r\n Host: localhost\r\n\r\n", 400 },
        { "Header line without a colon", "GET /echo HTTP/1.1\r\nHost: localhost\r\nX-A b\r\n\r\n", 400 },
        { "Duplicate Host", "GET /echo HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\r\n", 400 },
        { "Host: a, b (list)", "GET /echo HTTP/1.1\r\nHost: localhost, evil.example\r\n\r\n", 400 },
        { "HTTP/1.1 request without Host", "GET /echo HTTP/1.1\r\nX-A: b\r\n\r\n", 400 },
        { "Absolute-form target whose host differs from Host", "GET http://evil.example/echo HTTP/1.1\r\nHost: localhost\r\n\r\n", 400 },
        { "Request line over 8 KiB", "GET /echo?" + new string('a', 9000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n", 414 },
        { "Headers over 32 KiB", "GET /echo HTTP/1.1\r\nHost: localhost\r\nX-A: " + new string('a', 40_000) + "\r\n\r\n", 431 },
        { "101 header lines", "GET /echo HTTP/1.1\r\nHost: localhost\r\n" + string.Concat(Enumerable.Range(0, 100).Select(i => $"X-{i}: a\r\n")) + "\r\n", 431 },
    };

    [Theory]
    [MemberData(nameof(RefusedBeforeTheApp))]
    public async Task RefusedBeforeTheAppAndTheConnectionClosed(string scenario, string request, int status)
    {
        var calls = await HostileProbe.CallsAsync(server.Port);
        var result = await RawExchange.SendAsync(server.Port, Encoding.Latin1.GetBytes(request + Pipelined), Wait);
        var wire = result.Parse();

        Assert.True(wire.Error is null, wire.Describe());
        var response = Assert.Single(wire.Responses);
        Assert.Equal(status, response.Status);
        Assert.True(result.ClosedByServer, "the connection stayed open: " + wire.Describe());
        Assert.Equal(calls, await HostileProbe.CallsAsync(server.Port));
        RobustnessLog.Record(Section, scenario, $"{status}, connection closed, app not called");
    }

    /// <summary>Bodies with both framings: read as chunked, never by Content-Length, and nothing after them is trusted.</summary>
    public static TheoryData<string, string, int> BothFramings => new()
    {
        { "Content-Length and Transfer-Encoding: chunked both present (CL.TE)", "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 5 },
        { "Transfer-Encoding: chunked before a Content-Length covering a smuggled request (TE.CL)", "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Length: 52\r\n\r\n0\r\n\r\nGET /echo?smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n", 0 },
        { "Transfer-Encoding: ,chunked (empty list element) beside Content-Length", "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nTransfer-Encoding: ,chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 5 },
        { "Transfer-Encoding: chunked on an HTTP/1.0 request", "POST /echo HTTP/1.0\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 5 },
    };

    [Theory]
    [MemberData(nameof(BothFramings))]
    public async Task AmbiguousFramingIsReadAsChunkedAndTheConnectionClosed(string scenario, string request, int bodyLength)
    {
        var calls = await HostileProbe.CallsAsync(server.Port);
        var result = await RawExchange.SendAsync(server.Port, Encoding.Latin1.GetBytes(request + Pipelined), Wait);
        var wire = result.Parse();

        Assert.True(wire.Error is null, wire.Describe());
        var response = Assert.Single(wire.Responses);
        Assert.Equal(200, response.Status);
        Assert.True(response.ClosesConnection, wire.Describe());
        Assert.True(result.ClosedByServer, "the connection stayed open: " + wire.Describe());
        var seen = JsonDocument.Parse(response.Body).RootElement;
        Assert.Equal(bodyLength, seen.GetProperty("body_length").GetInt32());
        Assert.Equal(JsonValueKind.Null, seen.GetProperty("content_length").ValueKind);
        Assert.Equal(calls + 1, await HostileProbe.CallsAsync(server.Port));
        var lengthDropped = request.Contains("Content-Length", StringComparison.Ordinal) ? ", Content-Length not passed on" : "";
        RobustnessLog.Record(Section, scenario,
            $"body read as chunked ({bodyLength} bytes){lengthDropped}, answered with Connection: close, connection closed; the bytes after it never read as a request");
    }

    /// <summary>Chunked bodies Kestrel parses only as the app reads them: the read fails, and the answer refuses the request.</summary>
    public static TheoryData<string, string, int> BadChunkedBodies => new()
    {
        { "Chunk size +5", "+5\r\nhello\r\n0\r\n\r\n", 400 },
        { "Chunk size 0x5", "0x5\r\nhello\r\n0\r\n\r\n", 400 },
        { "Chunk size 0_5", "0_5\r\nhello\r\n0\r\n\r\n", 400 },
        { "Chunk size -5", "-5\r\nhello\r\n0\r\n\r\n", 400 },
        { "Chunk size with a trailing space", "5 \r\nhello\r\n0\r\n\r\n", 400 },
        { "Chunk size of 21 hex digits (overflows)", "FFFFFFFFFFFFFFFFFFFF5\r\nhello\r\n0\r\n\r\n", 400 },
        { "Chunk size of 17 hex digits (overflows a long)", "10000000000000005\r\nhello\r\n0\r\n\r\n", 400 },
        { "Chunk size line ending in a bare LF", "5\nhello\r\n0\r\n\r\n", 400 },
        { "Chunk longer than its size", "3\r\nhello\r\n0\r\n\r\n", 400 },
        { "NUL in a trailer field", "5\r\nhello\r\n0\r\nX-Sum: 4\0\r\n\r\n", 400 },
        { "CR inside a trailer field", "5\r\nhello\r\n0\r\nX-Sum: a\rb\r\n\r\n", 400 },
        { "Trailer line without a colon", "5\r\nhello\r\n0\r\nX-Sum 4\r\n\r\n", 400 },
        { "Trailers over 32 KiB", "5\r\nhello\r\n0\r\nX-Big: " + new string('a', 40_000) + "\r\n\r\n", 431 },
    };

    [Theory]
    [MemberData(nameof(BadChunkedBodies))]
    public async Task MalformedChunkedBodyIsRefusedAndTheConnectionClosed(string scenario, string chunkedBody, int status)
    {
        var request = $"POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n{chunkedBody}";
        var calls = await HostileProbe.CallsAsync(server.Port);
        var result = await RawExchange.SendAsync(server.Port, Encoding.Latin1.GetBytes(request + Pipelined), Wait);
        var wire = result.Parse();

        Assert.True(wire.Error is null, wire.Describe());
        var response = Assert.Single(wire.Responses);
        Assert.Equal(status, response.Status);
        Assert.True(response.ClosesConnection, wire.Describe());
        Assert.True(result.ClosedByServer, "the connection stayed open: " + wire.Describe());
        // The app was called and its read of wsgi.input raised; the pipelined request never ran.
        Assert.Equal(calls + 1, await HostileProbe.CallsAsync(server.Port));
        RobustnessLog.Record(Section, scenario, $"{status} when the app reads the body (its read raises OSError), Connection: close, connection closed");
    }

    [Fact]
    public async Task UnderscoreHeaderCannotSpoofTheDashedOne()
    {
        var result = await RawExchange.SendAsync(server.Port, Encoding.Latin1.GetBytes(
            "GET /echo HTTP/1.1\r\nHost: localhost\r\nX-Auth_User: spoof\r\nX-Auth-User: real\r\nConnection: close\r\n\r\n"), Wait);
        var response = Assert.Single(result.Parse().Responses);

        Assert.Equal(200, response.Status);
        var headers = JsonDocument.Parse(response.Body).RootElement.GetProperty("headers");
        Assert.Equal("real", headers.GetProperty("HTTP_X_AUTH_USER").GetString());
        Assert.DoesNotContain("spoof", response.BodyText);
        RobustnessLog.Record(Section, "X-Auth_User: spoof sent beside X-Auth-User: real", "app sees HTTP_X_AUTH_USER=real only; the underscore header is dropped");
    }

    [Fact]
    public async Task CrLfThatTheAppEchoesIntoAHeaderNeverReachesTheWire()
    {
        var result = await RawExchange.SendAsync(server.Port, Encoding.Latin1.GetBytes(
            "GET /reflect?v=a%0D%0ASet-Cookie:%20session=stolen HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"), Wait);
        var wire = result.Parse();

        Assert.True(wire.Error is null, wire.Describe());
        var response = Assert.Single(wire.Responses);
        Assert.Equal(500, response.Status);
        Assert.Null(response.Header("Set-Cookie"));
        Assert.Null(response.Header("X-Reflected"));
        Assert.DoesNotContain("stolen", Encoding.Latin1.GetString(result.Received));
        Assert.True(await server.Dram.WaitForOutputAsync("contains a control character"), server.Dram.Output);
        RobustnessLog.Record(Section, "CR LF from the query string echoed by the app into a response header",
            "500 (start_response raises ValueError in the app), no injected header on the wire");
    }

    [Fact]
    public async Task ChunkedBodyCutOffMidChunkThenHalfClosedIsNotAnswered()
    {
        var tag = HostileProbe.NewTag();
        var result = await RawExchange.SendAsync(server.Port, Encoding.Latin1.GetBytes(
            $"POST /upload?tag={tag} HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"), Wait, halfClose: true);

        Assert.True(result.ClosedByServer);
        Assert.Empty(result.Received);
        Assert.Equal(1, await HostileProbe.WaitForAsync(() => HostileProbe.ClosedAsync(server.Port, tag), 1));
        Assert.True(await server.Dram.WaitForOutputAsync("could not read the request body"), server.Dram.Output);
        Assert.Equal(200, (await RawHttpConnection.ExchangeAsync(server.Port, "GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n", timeout: Wait)).StatusCode);
        RobustnessLog.Record(Section, "Chunked body cut off inside its last chunk, then the client half-closes",
            "no response (nothing to answer), connection closed; the app's read raises OSError and its iterable is closed once");
    }

    [Fact]
    public async Task ChunkedBodyCutOffMidChunkWhileTheClientWaitsGets408()
    {
        var started = DateTime.UtcNow;
        var result = await RawExchange.SendAsync(server.Port, Encoding.Latin1.GetBytes(
            "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"), TimeSpan.FromSeconds(60));
        var elapsed = DateTime.UtcNow - started;
        var wire = result.Parse();

        Assert.True(wire.Error is null, wire.Describe());
        var response = Assert.Single(wire.Responses);
        Assert.Equal(408, response.Status);
        Assert.True(result.ClosedByServer);
        RobustnessLog.Record(Section, "Chunked body cut off inside its last chunk, the client then sends nothing",
            $"408 after {elapsed.TotalSeconds:0} s (below Kestrel's minimum body rate of 240 bytes/s after its 5 s grace), connection closed");
    }
}
