namespace Dram.Tests.Responses;

/// <summary>
/// start_response() checks status and headers when it is called: a bad one raises inside the app
/// (so the app's traceback shows where), the server answers a plain 500, and nothing the app
/// tried to put in the head reaches the wire (no response splitting).
/// </summary>
public sealed class ResponseHeadValidationTests(ResponsesApp server) : IClassFixture<ResponsesApp>
{
    [Theory]
    [InlineData("status-crlf", "ValueError: start_response(): the status '200 OK\\r\\nX-Injected: yes' contains a control character")]
    [InlineData("status-lf", "ValueError: start_response(): the status '200 OK\\nX-Injected: yes' contains a control character")]
    [InlineData("status-not-numeric", "ValueError: start_response(): invalid status 'OK'")]
    [InlineData("status-letters-in-code", "ValueError: start_response(): invalid status '2x0 OK'")]
    [InlineData("status-no-space", "ValueError: start_response(): invalid status '200OK'")]
    [InlineData("status-bytes", "TypeError: start_response(): the status must be str, got bytes")]
    [InlineData("status-100", "ValueError: start_response(): the status '100 Continue' is informational (1xx)")]
    [InlineData("status-103", "ValueError: start_response(): the status '103 Early Hints' is informational (1xx)")]
    [InlineData("name-crlf", "ValueError: start_response(): invalid header name 'X-A\\r\\nX-Injected'")]
    [InlineData("name-nul", "ValueError: start_response(): invalid header name 'X-A\\x00'")]
    [InlineData("name-space", "ValueError: start_response(): invalid header name 'X Bad'")]
    [InlineData("name-colon", "ValueError: start_response(): invalid header name 'X-Injected:'")]
    [InlineData("name-empty", "ValueError: start_response(): invalid header name ''")]
    [InlineData("name-bytes", "TypeError: start_response(): the header name must be str, got bytes")]
    [InlineData("value-cr", "ValueError: start_response(): the value of header 'X-A' contains a control character")]
    [InlineData("value-lf", "ValueError: start_response(): the value of header 'X-A' contains a control character")]
    [InlineData("value-crlf", "ValueError: start_response(): the value of header 'X-A' contains a control character")]
    [InlineData("value-nul", "ValueError: start_response(): the value of header 'X-A' contains a control character")]
    [InlineData("value-non-latin1", "ValueError: start_response(): the value of header 'X-A' 'price \u20ac5' has characters outside latin-1")]
    [InlineData("value-int", "TypeError: start_response(): the value of header 'X-A' must be str, got int")]
    [InlineData("hop-connection", "ValueError: start_response(): hop-by-hop header 'Connection' is not allowed")]
    [InlineData("hop-transfer-encoding", "ValueError: start_response(): hop-by-hop header 'Transfer-Encoding' is not allowed")]
    [InlineData("hop-keep-alive", "ValueError: start_response(): hop-by-hop header 'Keep-Alive' is not allowed")]
    [InlineData("hop-upgrade", "ValueError: start_response(): hop-by-hop header 'Upgrade' is not allowed")]
    [InlineData("hop-te", "ValueError: start_response(): hop-by-hop header 'TE' is not allowed")]
    [InlineData("hop-trailer", "ValueError: start_response(): hop-by-hop header 'Trailer' is not allowed")]
    [InlineData("hop-proxy-authenticate", "ValueError: start_response(): hop-by-hop header 'Proxy-Authenticate' is not allowed")]
    [InlineData("headers-tuple", "TypeError: start_response(): response_headers must be a list of (name, value) tuples, got tuple")]
    [InlineData("headers-dict", "TypeError: start_response(): response_headers must be a list of (name, value) tuples, got dict")]
    [InlineData("headers-none", "TypeError: start_response(): response_headers must be a list of (name, value) tuples, got NoneType")]
    [InlineData("item-three-tuple", "TypeError: start_response(): response header 0 must be a (name, value) tuple")]
    [InlineData("item-one-tuple", "TypeError: start_response(): response header 0 must be a (name, value) tuple")]
    [InlineData("item-list", "TypeError: start_response(): response header 0 must be a (name, value) tuple")]
    [InlineData("item-str", "TypeError: start_response(): response header 0 must be a (name, value) tuple")]
    [InlineData("content-length-letters", "ValueError: start_response(): invalid Content-Length 'abc'")]
    [InlineData("content-length-negative", "ValueError: start_response(): invalid Content-Length '-1'")]
    [InlineData("content-length-list", "ValueError: start_response(): invalid Content-Length '5, 5'")]
    [InlineData("content-length-conflict", "ValueError: start_response(): invalid Content-Length '6'")]
    public async Task InvalidHeadRaisesInTheAppAndNeverReachesTheWire(string variant, string logged)
    {
        var path = "/bad/" + variant;
        var wire = await Wire.AllBytesAsync(server.Port, Wire.Request(path, close: true));

        Assert.StartsWith("HTTP/1.1 500 Internal Server Error\r\n", wire);
        Assert.EndsWith("\r\n\r\nInternal Server Error\n", wire);
        Assert.DoesNotContain("X-Injected", wire, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("X-A:", wire, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("should not be sent", wire);
        // The error was raised by the start_response call itself, inside the app's own frame.
        var entry = await ErrorLogEntry.WaitForAsync(server.Dram, $"GET {path}:", "in bad_head");
        Assert.Contains(logged, entry);
    }

    [Fact]
    public async Task HeadersSeenBeforeAreHeldToTheSameRulesEveryTime()
    {
        // The app passes the same str objects each time, which Dram keeps with what they parsed to.
        for (var i = 0; i < 3; i++)
        {
            foreach (var variant in new[] { "content-length-conflict", "content-length-letters", "name-crlf", "hop-connection", "status-100" })
            {
                var wire = await Wire.AllBytesAsync(server.Port, Wire.Request("/bad/" + variant, close: true));
                Assert.StartsWith("HTTP/1.1 500 Internal Server Error\r\n", wire);
            }
            var good = await Wire.AllBytesAsync(server.Port, Wire.Request("/good/status-custom-reason", close: true));
            Assert.StartsWith("HTTP/1.1 299 Fine Thanks\r\n", good);
        }
    }

    [Fact]
    public async Task StatusWithoutReasonPhraseGetsTheStandardOne()
    {
        var wire = await Wire.AllBytesAsync(server.Port, Wire.Request("/good/status-code-only", close: true));

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", wire);
        Assert.EndsWith("\r\n\r\nok", wire);
    }

    [Fact]
    public async Task CustomReasonPhraseIsSentAsGiven()
    {
        var wire = await Wire.AllBytesAsync(server.Port, Wire.Request("/good/status-custom-reason", close: true));

        Assert.StartsWith("HTTP/1.1 299 Fine Thanks\r\n", wire);
    }

    [Fact]
    public async Task NonAsciiReasonPhraseIsReplacedByTheStandardOne()
    {
        // Kestrel writes status lines in ASCII, so a latin-1 reason cannot go out byte for byte;
        // the status code is kept and the standard phrase sent instead of a mangled one.
        var wire = await Wire.AllBytesAsync(server.Port, Wire.Request("/good/status-latin1-reason", close: true));

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", wire);
    }

    [Fact]
    public async Task Latin1HeaderValueIsSentAsOneBytePerCharacter()
    {
        var wire = await Wire.AllBytesAsync(server.Port, Wire.Request("/good/value-latin1", close: true));

        // The wire text is decoded as latin-1: "\u00e9" here is the single byte 0xE9 (not UTF-8's C3 A9).
        Assert.Contains("\r\nX-Latin1: caf\u00e9\r\n", wire);
    }

    [Fact]
    public async Task RepeatedHeaderIsSentOnSeparateLinesInOrder()
    {
        var response = await Wire.GetAsync(server.Port, "/good/repeated-header");

        Assert.Equal(["a=1", "b=2"], response.HeaderValues("Set-Cookie"));
    }
}
