using System.Text;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Request;

/// <summary>
/// Gunicorn's request limits with its names and defaults (--limit-request-line 4094,
/// --limit-request-fields 100, --limit-request-field_size 8190) and Dram's --limit-request-body:
/// each is checked on both sides of the limit, answered 414, 431 or 413, and a refused request
/// never reaches the app (tests/apps/limits_probe.py logs every call).
/// </summary>
public sealed class RequestLimitsTests(RequestLimitsTests.DefaultLimits server) : IClassFixture<RequestLimitsTests.DefaultLimits>
{
    public sealed class DefaultLimits : SharedDram
    {
        protected override string App => "limits_probe:application";
    }

    /// <summary>A request line of exactly <paramref name="length"/> bytes without its CRLF, for <paramref name="name"/>.</summary>
    private static string RequestLine(string name, int length)
    {
        var target = "/" + name + "/";
        target += new string('a', length - "GET ".Length - " HTTP/1.1".Length - target.Length);
        return $"GET {target} HTTP/1.1";
    }

    /// <summary>A header line "X-Big: vvv..." of exactly <paramref name="length"/> bytes including CRLF.</summary>
    private static string HeaderLine(string name, int length) => $"{name}: {new string('v', length - name.Length - 4)}\r\n";

    private static string Headers(int count)
    {
        var lines = new StringBuilder();
        for (var i = 1; i < count; i++)
        {
            lines.Append($"X-Field-{i}: {i}\r\n");
        }
        return lines.ToString();
    }

    private static async Task<RawResponse> SendAsync(int port, string request) => await RawHttpConnection.ExchangeAsync(port, request);

    private static async Task AssertAppCalledAsync(DramProcess dram, string path) =>
        Assert.True(await dram.WaitForOutputAsync($"limits_probe called: GET {path}"), dram.Output);

    /// <summary>
    /// The app logs each call before answering, but the log reaches the test asynchronously: a
    /// request sent afterwards whose call is seen proves any earlier call would be seen too.
    /// </summary>
    private static async Task AssertAppNotCalledAsync(DramProcess dram, string method, string path)
    {
        var marker = $"/after-{Guid.NewGuid():N}";
        var response = await SendAsync(dram.Port, $"GET {marker} HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.Equal(200, response.StatusCode);
        await AssertAppCalledAsync(dram, marker);
        Assert.DoesNotContain($"limits_probe called: {method} {path}", dram.Output);
    }

    [Fact]
    public async Task ARequestLineAtTheDefaultLimitIsServed()
    {
        var line = RequestLine("line-at-limit", 4094);
        var response = await SendAsync(server.Port, $"{line}\r\nHost: localhost\r\n\r\n");

        Assert.Equal(200, response.StatusCode);
        await AssertAppCalledAsync(server.Dram, "/line-at-limit/");
    }

    [Fact]
    public async Task ARequestLineOneByteOverTheDefaultLimitIs414()
    {
        var line = RequestLine("line-over-limit", 4095);
        var response = await SendAsync(server.Port, $"{line}\r\nHost: localhost\r\n\r\n");

        Assert.Equal(414, response.StatusCode);
        await AssertAppNotCalledAsync(server.Dram, "GET", "/line-over-limit/");
        RobustnessLog.Record("Request limits", "a request line of 4095 bytes (--limit-request-line 4094)", "414 URI Too Long; the app is not called");
    }

    [Theory]
    [InlineData(100, 100, 200)]
    [InlineData(100, 101, 414)]
    [InlineData(0, 20_000, 200)]
    public async Task TheRequestLineLimitCanBeSet(int limit, int length, int status)
    {
        await using var dram = await DramProcess.StartAsync("limits_probe:application", ["--limit-request-line", limit.ToString()]);

        var response = await SendAsync(dram.Port, $"{RequestLine("line", length)}\r\nHost: localhost\r\n\r\n");

        Assert.Equal(status, response.StatusCode);
    }

    [Fact]
    public async Task OneHundredHeaderFieldsAreServedAndOneMoreIs431()
    {
        var atLimit = await SendAsync(server.Port, $"GET /fields-100 HTTP/1.1\r\nHost: localhost\r\n{Headers(100)}\r\n");
        var overLimit = await SendAsync(server.Port, $"GET /fields-101 HTTP/1.1\r\nHost: localhost\r\n{Headers(101)}\r\n");

        Assert.Equal(200, atLimit.StatusCode);
        Assert.Equal(431, overLimit.StatusCode);
        await AssertAppCalledAsync(server.Dram, "/fields-100");
        await AssertAppNotCalledAsync(server.Dram, "GET", "/fields-101");
        RobustnessLog.Record("Request limits", "101 header fields (--limit-request-fields 100)", "431 Request Header Fields Too Large; the app is not called");
    }

    [Theory]
    [InlineData(5, 5, 200)]
    [InlineData(5, 6, 431)]
    [InlineData(0, 1000, 200)]
    public async Task TheFieldCountLimitCanBeSet(int limit, int fields, int status)
    {
        await using var dram = await DramProcess.StartAsync("limits_probe:application", ["--limit-request-fields", limit.ToString()]);

        var response = await SendAsync(dram.Port, $"GET / HTTP/1.1\r\nHost: localhost\r\n{Headers(fields)}\r\n");

        Assert.Equal(status, response.StatusCode);
    }

    [Fact]
    public async Task AHeaderLineAtTheDefaultLimitIsServedAndOneByteMoreIs431()
    {
        var atLimit = await SendAsync(server.Port, $"GET /field-8190 HTTP/1.1\r\nHost: localhost\r\n{HeaderLine("X-Big", 8190)}{HeaderLine("X-Big", 8190)}\r\n");
        var overLimit = await SendAsync(server.Port, $"GET /field-8191 HTTP/1.1\r\nHost: localhost\r\n{HeaderLine("X-Big", 8191)}\r\n");

        Assert.Equal(200, atLimit.StatusCode);
        Assert.Equal(431, overLimit.StatusCode);
        await AssertAppCalledAsync(server.Dram, "/field-8190");
        await AssertAppNotCalledAsync(server.Dram, "GET", "/field-8191");
        RobustnessLog.Record("Request limits", "a header line of 8191 bytes (--limit-request-field_size 8190)", "431 Request Header Fields Too Large; the app is not called");
    }

    [Fact]
    public async Task AnOversizedHeaderThatTheEnvironWouldDropIsStillRefused()
    {
        var response = await SendAsync(server.Port, $"GET /underscore HTTP/1.1\r\nHost: localhost\r\n{HeaderLine("X_Big", 9000)}\r\n");

        Assert.Equal(431, response.StatusCode);
        await AssertAppNotCalledAsync(server.Dram, "GET", "/underscore");
    }

    [Theory]
    [InlineData("--limit-request-field_size", 100, 100, 200)]
    [InlineData("--limit-request-field_size", 100, 101, 431)]
    [InlineData("--limit-request-field-size", 100, 101, 431)]
    [InlineData("--limit-request-field_size", 0, 20_000, 200)]
    public async Task TheFieldSizeLimitCanBeSet(string flag, int limit, int length, int status)
    {
        await using var dram = await DramProcess.StartAsync("limits_probe:application", [flag, limit.ToString()]);

        var response = await SendAsync(dram.Port, $"GET / HTTP/1.1\r\nHost: localhost\r\n{HeaderLine("X-Big", length)}\r\n");

        Assert.Equal(status, response.StatusCode);
    }

    [Fact]
    public async Task StaticFilesObeyTheFieldSizeLimit()
    {
        using var files = new TemporaryDirectory("dram-static-");
        await File.WriteAllTextAsync(Path.Combine(files.Path, "site.css"), "body{}");
        await using var dram = await DramProcess.StartAsync("limits_probe:application",
            ["--static-map", $"/static={files.Path}", "--limit-request-field_size", "200"]);

        var served = await SendAsync(dram.Port, $"GET /static/site.css HTTP/1.1\r\nHost: localhost\r\n{HeaderLine("X-Big", 200)}\r\n");
        var refused = await SendAsync(dram.Port, $"GET /static/site.css HTTP/1.1\r\nHost: localhost\r\n{HeaderLine("X-Big", 201)}\r\n");

        Assert.Equal(200, served.StatusCode);
        Assert.Equal("body{}", served.BodyText);
        Assert.Equal(431, refused.StatusCode);
    }

    [Fact]
    public async Task WithoutABodyLimitLargeBodiesReachTheApp()
    {
        var body = new string('b', 3 * 1024 * 1024);
        var response = await SendAsync(server.Port, $"POST /big?read HTTP/1.1\r\nHost: localhost\r\nContent-Length: {body.Length}\r\n\r\n{body}");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal($"read {body.Length} bytes", response.BodyText);
    }

    [Fact]
    public async Task ABodyAtTheLimitIsReadAndALargerContentLengthIs413WithoutCallingTheApp()
    {
        await using var dram = await DramProcess.StartAsync("limits_probe:application", ["--limit-request-body", "10"]);

        var atLimit = await SendAsync(dram.Port, "POST /body-10?read HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\n0123456789");
        using var connection = await RawHttpConnection.OpenAsync(dram.Port);
        await connection.SendAsync("POST /body-11?read HTTP/1.1\r\nHost: localhost\r\nContent-Length: 11\r\n\r\n");
        var overLimit = await connection.ReadResponseAsync();
        var closed = await connection.IsClosedByServerAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("read 10 bytes", atLimit.BodyText);
        Assert.Equal(413, overLimit.StatusCode);
        Assert.Equal("close", overLimit.Header("Connection"));
        Assert.True(closed, "the connection is closed after the 413 instead of reading the body");
        await AssertAppNotCalledAsync(dram, "POST", "/body-11");
        RobustnessLog.Record("Request limits", "Content-Length: 11 with --limit-request-body 10", "413 before the app is called, connection closed");
    }

    [Fact]
    public async Task AnOversizedBodyThatAsksToContinueGets413InsteadOf100()
    {
        await using var dram = await DramProcess.StartAsync("limits_probe:application", ["--limit-request-body", "1000"]);

        using var connection = await RawHttpConnection.OpenAsync(dram.Port);
        await connection.SendAsync("POST /expect?read HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n");
        var response = await connection.ReadResponseAsync(keepInterim: true);

        Assert.Equal(413, response.StatusCode);
        await AssertAppNotCalledAsync(dram, "POST", "/expect");
    }

    [Fact]
    public async Task AChunkedBodyGrowingPastTheLimitFailsTheReadAndClosesTheConnection()
    {
        await using var dram = await DramProcess.StartAsync("limits_probe:application", ["--limit-request-body", "10"]);

        var within = await SendAsync(dram.Port, "POST /chunked-10?read HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n");
        using var connection = await RawHttpConnection.OpenAsync(dram.Port);
        await connection.SendAsync("POST /chunked-11?read HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n6\r\n56789a\r\n0\r\n\r\n");
        var over = await connection.ReadResponseAsync();
        var closed = await connection.IsClosedByServerAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("read 10 bytes", within.BodyText);
        Assert.Equal(413, over.StatusCode);
        Assert.True(closed, "the connection is closed after a body that outgrew the limit");
        RobustnessLog.Record("Request limits", "a chunked body growing to 11 bytes with --limit-request-body 10",
            "wsgi.input.read() raises OSError; unhandled, the answer is 413 and the connection is closed");
    }

    [Fact]
    public async Task AnAppThatCatchesTheFailedReadStillHasItsConnectionClosed()
    {
        await using var dram = await DramProcess.StartAsync("limits_probe:application", ["--limit-request-body", "10"]);

        using var connection = await RawHttpConnection.OpenAsync(dram.Port);
        await connection.SendAsync("POST /swallow?swallow HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n");
        var response = await connection.ReadResponseAsync();
        var closed = await connection.IsClosedByServerAsync(TimeSpan.FromSeconds(10));

        Assert.StartsWith("read failed:", response.BodyText);
        Assert.True(closed, "the rest of the refused body is not read as a next request");
    }

    [Theory]
    [InlineData("0", "0", "0", 200)]
    [InlineData("1048576", "32768", "1048576", 200)]
    [InlineData("4094", "100", "1", 431)]
    [InlineData("1", "1", "1", 414)]
    public async Task TheExtremeValuesStartAndServe(string line, string fields, string fieldSize, int status)
    {
        await using var dram = await DramProcess.StartAsync("limits_probe:application",
            ["--limit-request-line", line, "--limit-request-fields", fields, "--limit-request-field_size", fieldSize]);

        var response = await SendAsync(dram.Port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");

        // Even where nothing fits (a 1-byte limit), the worker is up and answering.
        Assert.Equal(status, response.StatusCode);
        Assert.DoesNotContain("died", dram.Output);
    }

    [Theory]
    [InlineData("--limit-request-line", "1048577", "must be between 0")]
    [InlineData("--limit-request-line", "-1", "not a whole number >= 0")]
    [InlineData("--limit-request-fields", "32769", "must be between 0 (the most, 32768) and 32768")]
    [InlineData("--limit-request-fields", "many", "not a whole number >= 0")]
    [InlineData("--limit-request-field_size", "1048577", "must be between 0 (no limit) and 1048576")]
    [InlineData("--limit-request-body", "-5", "must be a whole number of bytes >= 0")]
    [InlineData("--limit-request-body", "10MB", "must be a whole number of bytes >= 0")]
    public async Task ABadValueIsAUsageErrorNamingTheSetting(string flag, string value, string message)
    {
        var (exitCode, output) = await DramProcess.RunToExitAsync([flag, value, "--chdir", Repo.Apps, "limits_probe:application"]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"dram: error: {flag} {value}: {message}", output);
        Assert.DoesNotContain("Listening at", output);
    }
}
