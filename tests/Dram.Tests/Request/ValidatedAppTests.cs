using Dram.Tests.Infrastructure;

namespace Dram.Tests.Request;

/// <summary>
/// The request-side test apps run inside wsgiref.validate.validator (tests/apps/validated_request.py),
/// which checks the environ, wsgi.input, wsgi.errors and the response calls against PEP 3333 as
/// the request runs. A breach raises in the app, which dram turns into a 500 and a traceback in its
/// log; so each test asserts a 200 with the right answer and, once dram has stopped, a log free
/// of tracebacks and warnings.
/// </summary>
public sealed class ValidatedAppTests
{
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task EnvironOfAGetWithQueryAndHeadersPassesTheValidator()
    {
        await using var dram = await DramProcess.StartAsync("validated_request:environ_probe_app");
        var environ = await EnvironReport.FetchAsync(dram.Port,
            "GET /caf%C3%A9/a%2Fb?q=%20x&y HTTP/1.1\r\nHost: example.com:8080\r\nCookie: a=1\r\nCookie: b=2\r\nX-Many: 1\r\nX-Many: 2\r\nX_Dropped: x\r\n\r\n");
        Assert.Equal("/caf\u00c3\u00a9/a/b", environ.Str("PATH_INFO"));
        Assert.Equal("q=%20x&y", environ.Str("QUERY_STRING"));
        Assert.Equal("a=1; b=2", environ.Str("HTTP_COOKIE"));
        Assert.Equal("1,2", environ.Str("HTTP_X_MANY"));
        await AssertNoComplaintsAsync(dram);
    }

    [Fact]
    public async Task EnvironOfAPostWithBodyPassesTheValidator()
    {
        await using var dram = await DramProcess.StartAsync("validated_request:environ_probe_app");
        var environ = await EnvironReport.FetchAsync(dram.Port,
            "POST /form HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\na=1&b=2");
        Assert.Equal("7", environ.Str("CONTENT_LENGTH"));
        await AssertNoComplaintsAsync(dram);
    }

    [Fact]
    public async Task EnvironOfHttp10WithoutHostPassesTheValidator()
    {
        await using var dram = await DramProcess.StartAsync("validated_request:environ_probe_app");
        var environ = await EnvironReport.FetchAsync(dram.Port, "GET / HTTP/1.0\r\n\r\n");
        Assert.Equal("HTTP/1.0", environ.Str("SERVER_PROTOCOL"));
        Assert.NotEqual("", environ.Str("SERVER_PORT"));
        await AssertNoComplaintsAsync(dram);
    }

    [Fact]
    public async Task EnvironOfAnAbsoluteFormTargetPassesTheValidator()
    {
        await using var dram = await DramProcess.StartAsync("validated_request:environ_probe_app");
        var environ = await EnvironReport.FetchAsync(dram.Port, "GET http://example.com/x?y=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
        Assert.Equal("/x", environ.Str("PATH_INFO"));
        await AssertNoComplaintsAsync(dram);
    }

    [Theory]
    [InlineData("/app/x", "/x")]
    [InlineData("/app", "")]
    [InlineData("/elsewhere", "/elsewhere")]
    public async Task EnvironUnderARootPathPassesTheValidator(string target, string pathInfo)
    {
        await using var dram = await DramProcess.StartAsync("validated_request:environ_probe_app", ["--root-path", "/app"]);
        var environ = await EnvironReport.FetchAsync(dram.Port, $"GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.Equal("/app", environ.Str("SCRIPT_NAME"));
        Assert.Equal(pathInfo, environ.Str("PATH_INFO"));
        await AssertNoComplaintsAsync(dram);
    }

    [Fact]
    public async Task EnvironWithSeveralThreadsPassesTheValidator()
    {
        await using var dram = await DramProcess.StartAsync("validated_request:environ_probe_app", ["--threads", "4"]);
        var environ = await EnvironReport.FetchAsync(dram.Port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.True(environ.Flag("wsgi.multithread"));
        await AssertNoComplaintsAsync(dram);
    }

    [Fact]
    public async Task KeepAliveAndPipelinedRequestsPassTheValidator()
    {
        await using var dram = await DramProcess.StartAsync("validated_request:environ_probe_app");
        using (var connection = await RawHttpConnection.OpenAsync(dram.Port))
        {
            await connection.SendAsync(string.Concat(Enumerable.Range(0, 5).Select(i => $"GET /r{i} HTTP/1.1\r\nHost: localhost\r\n\r\n")));
            for (var i = 0; i < 5; i++)
            {
                var environ = EnvironReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout));
                Assert.Equal($"/r{i}", environ.Str("PATH_INFO"));
            }
        }
        await AssertNoComplaintsAsync(dram);
    }

    [Fact]
    public async Task InputReadsPassTheValidator()
    {
        // The validator's input wrapper allows read() only with a size, so every read here has one.
        await using var dram = await DramProcess.StartAsync("validated_request:input_probe_app");
        const string body = "0123\nabc\ndef\nghi\nrest";
        var report = await InputReport.FetchAsync(dram.Port,
            $"POST /?read:2,read:0,readline,readline:2,readlines:3,iter,read:10 HTTP/1.1\r\nHost: localhost\r\nContent-Length: {body.Length}\r\n\r\n{body}");
        Assert.Equal("01", report.Bytes(0));
        Assert.Equal("", report.Bytes(1));
        Assert.Equal("23\n", report.Bytes(2));
        Assert.Equal("ab", report.Bytes(3));
        Assert.Equal(["c\n", "def\n"], report.Lines(4));
        Assert.Equal(["ghi\n", "rest"], report.Lines(5));
        Assert.Equal("", report.Bytes(6));
        await AssertNoComplaintsAsync(dram);
    }

    [Fact]
    public async Task ChunkedInputPassesTheValidator()
    {
        await using var dram = await DramProcess.StartAsync("validated_request:input_probe_app");
        var report = await InputReport.FetchAsync(dram.Port,
            "POST /?readlines,read:1 HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\na\nb\r\n2\r\nc\n\r\n0\r\n\r\n");
        Assert.Equal(["a\n", "bc\n"], report.Lines(0));
        Assert.Equal("", report.Bytes(1));
        await AssertNoComplaintsAsync(dram);
    }

    [Fact]
    public async Task ExpectContinuePassesTheValidator()
    {
        await using var dram = await DramProcess.StartAsync("validated_request:input_probe_app");
        using (var connection = await RawHttpConnection.OpenAsync(dram.Port))
        {
            await connection.SendAsync("POST /?read:5 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            Assert.Equal(100, (await connection.ReadResponseAsync(timeout: ResponseTimeout, keepInterim: true)).StatusCode);
            await connection.SendAsync("hello");
            var report = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout));
            Assert.Equal("hello", report.Bytes(0));
        }
        await AssertNoComplaintsAsync(dram);
    }

    [Fact]
    public async Task StreamingUploadPassesTheValidator()
    {
        const long total = 16L * 1024 * 1024;
        await using var dram = await DramProcess.StartAsync("validated_request:upload_count_app");
        using (var connection = await RawHttpConnection.OpenAsync(dram.Port))
        {
            await connection.SendAsync($"POST /upload?65536 HTTP/1.1\r\nHost: localhost\r\nContent-Length: {total}\r\n\r\n");
            await UploadPattern.SendPlainAsync(connection, total);
            var count = UploadPattern.Parse(await connection.ReadResponseAsync(timeout: ResponseTimeout));
            Assert.Equal(total, count.Bytes);
            Assert.True(count.PatternOk);
        }
        await AssertNoComplaintsAsync(dram);
    }

    [Fact]
    public async Task InputKeptPastItsRequestPassesTheValidator()
    {
        await using var dram = await DramProcess.StartAsync("validated_request:input_keeper_app");
        using (var connection = await RawHttpConnection.OpenAsync(dram.Port))
        {
            await connection.SendAsync("POST /keep HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nAAAAA");
            Assert.Equal("kept", (await connection.ReadResponseAsync(timeout: ResponseTimeout)).BodyText);
            await connection.SendAsync("POST /use HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nBBBBB");
            Assert.Equal("ValueError|BBBBB", (await connection.ReadResponseAsync(timeout: ResponseTimeout)).BodyText);
        }
        await AssertNoComplaintsAsync(dram);
    }

    [Fact]
    public async Task ErrorsStreamPassesTheValidator()
    {
        var marker = Guid.NewGuid().ToString("N");
        await using var dram = await DramProcess.StartAsync("validated_request:errors_writer_app");
        var response = await RawHttpConnection.ExchangeAsync(dram.Port, $"GET /?{marker} HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.Equal(200, response.StatusCode);
        await AssertNoComplaintsAsync(dram);
        Assert.Contains($"second of lines {marker}", dram.Output);
    }

    [Fact]
    public async Task ValidatorComplaintsBecomeA500AndATraceback()
    {
        // The control for every test above: the validator is live, and what it finds is visible.
        // An extension method is legal HTTP, but the validator warns about it, and warnings are errors here.
        await using var dram = await DramProcess.StartAsync("validated_request:environ_probe_app");
        var response = await RawHttpConnection.ExchangeAsync(dram.Port, "PROPFIND / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.Equal(500, response.StatusCode);
        await dram.StopAsync();
        Assert.Contains("Traceback", dram.Output);
        Assert.Contains("WSGIWarning: Unknown REQUEST_METHOD: 'PROPFIND'", dram.Output);
    }

    /// <summary>Stops dram (so every line it wrote has been read) and checks the log holds no validator complaint.</summary>
    private static async Task AssertNoComplaintsAsync(DramProcess dram)
    {
        Assert.Equal(0, await dram.StopAsync());
        var output = dram.Output;
        Assert.DoesNotContain("Traceback", output);
        Assert.DoesNotContain("AssertionError", output);
        Assert.DoesNotContain("WSGIWarning", output);
        Assert.DoesNotContain("Exception ignored", output);
        Assert.DoesNotContain("without being closed", output);
        Assert.DoesNotContain("[ERROR]", output);
    }
}
