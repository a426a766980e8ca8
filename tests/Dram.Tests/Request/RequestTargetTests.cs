using System.Text;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Request;

/// <summary>
/// PATH_INFO, QUERY_STRING and RAW_URI from the request target. PATH_INFO is the percent-decoded
/// bytes of the path, each byte one latin-1 character (PEP 3333's "bytes as latin-1" rule), so
/// UTF-8 in a URL reaches the app as mojibake it can re-encode to bytes and decode as UTF-8.
/// </summary>
public sealed class RequestTargetTests(EnvironProbeServer server) : IClassFixture<EnvironProbeServer>
{
    private Task<EnvironReport> GetAsync(string target) =>
        EnvironReport.FetchAsync(server.Port, $"GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n");

    [Theory]
    [InlineData("/", "/")]
    [InlineData("/plain/path", "/plain/path")]
    [InlineData("/a%20b", "/a b")]
    [InlineData("/caf%C3%A9", "/caf\u00c3\u00a9")]
    [InlineData("/caf%c3%a9", "/caf\u00c3\u00a9")]
    [InlineData("/%E9t%E9", "/\u00e9t\u00e9")]
    [InlineData("/a%2Fb", "/a/b")]
    [InlineData("/%7Euser", "/~user")]
    [InlineData("/100%25", "/100%")]
    public async Task PathInfoIsThePercentDecodedPathAsLatin1(string target, string pathInfo)
    {
        var environ = await GetAsync(target);
        Assert.Equal(pathInfo, environ.Str("PATH_INFO"));
    }

    [Fact]
    public async Task Utf8PathBytesRoundTripThroughLatin1()
    {
        // What a framework does with PATH_INFO: environ['PATH_INFO'].encode('latin-1').decode('utf-8').
        var environ = await GetAsync("/%E6%97%A5%E6%9C%AC");
        var bytes = System.Text.Encoding.Latin1.GetBytes(environ.Str("PATH_INFO"));
        Assert.Equal("/日本", System.Text.Encoding.UTF8.GetString(bytes));
    }

    [Theory]
    [InlineData("/bad%zzescape", "/bad%zzescape")]
    [InlineData("/trailing%", "/trailing%")]
    [InlineData("/half%4", "/half%4")]
    public async Task MalformedEscapesAreKeptAsTheyAre(string target, string pathInfo)
    {
        var environ = await GetAsync(target);
        Assert.Equal(pathInfo, environ.Str("PATH_INFO"));
    }

    [Fact]
    public async Task QueryStringIsRawAndNotDecoded()
    {
        var environ = await GetAsync("/search?q=caf%C3%A9+au+lait&x=%2F&y=a%20b&z");
        Assert.Equal("q=caf%C3%A9+au+lait&x=%2F&y=a%20b&z", environ.Str("QUERY_STRING"));
        Assert.Equal("/search", environ.Str("PATH_INFO"));
    }

    [Fact]
    public async Task QueryStringIsEmptyWhenTheTargetHasNone()
    {
        var environ = await GetAsync("/no-query");
        Assert.Equal("", environ.Str("QUERY_STRING"));
    }

    [Fact]
    public async Task QueryStringIsEmptyForABareQuestionMark()
    {
        var environ = await GetAsync("/p?");
        Assert.Equal("", environ.Str("QUERY_STRING"));
        Assert.Equal("/p", environ.Str("PATH_INFO"));
    }

    [Fact]
    public async Task OnlyTheFirstQuestionMarkStartsTheQuery()
    {
        var environ = await GetAsync("/p%3Fnot-query?a=?b");
        Assert.Equal("/p?not-query", environ.Str("PATH_INFO"));
        Assert.Equal("a=?b", environ.Str("QUERY_STRING"));
    }

    [Theory]
    [InlineData("/a%20b/c?x=1&y=%20")]
    [InlineData("/caf%C3%A9")]
    [InlineData("/")]
    public async Task RawUriIsTheTargetExactlyAsSent(string target)
    {
        var environ = await GetAsync(target);
        Assert.Equal(target, environ.Str("RAW_URI"));
    }

    [Fact]
    public async Task AbsoluteFormTargetGivesThePathAndQuery()
    {
        var environ = await EnvironReport.FetchAsync(server.Port,
            "GET http://example.com/x/caf%C3%A9?q=%20 HTTP/1.1\r\nHost: example.com\r\n\r\n");
        Assert.Equal("/x/caf\u00c3\u00a9", environ.Str("PATH_INFO"));
        Assert.Equal("q=%20", environ.Str("QUERY_STRING"));
        Assert.Equal("http://example.com/x/caf%C3%A9?q=%20", environ.Str("RAW_URI"));
        Assert.Equal("", environ.Str("SCRIPT_NAME"));
    }

    [Theory]
    [InlineData("http://example.com", "/", "")]
    [InlineData("http://example.com?x=1", "/", "x=1")]
    [InlineData("http://example.com/?x=1", "/", "x=1")]
    [InlineData("http://example.com:80/p?x=/y", "/p", "x=/y")]
    public async Task AbsoluteFormTargetWithEmptyPathIsTheRoot(string target, string pathInfo, string query)
    {
        // An empty path in an http URI means "/" (RFC 9110 4.2.3), and the query follows the authority directly.
        var environ = await EnvironReport.FetchAsync(server.Port, $"GET {target} HTTP/1.1\r\nHost: {new Uri(target).Authority}\r\n\r\n");
        Assert.Equal(pathInfo, environ.Str("PATH_INFO"));
        Assert.Equal(query, environ.Str("QUERY_STRING"));
        Assert.Equal(target, environ.Str("RAW_URI"));
    }

    [Theory]
    [InlineData("/a/../b", "/a/../b")]
    [InlineData("/a/%2e%2e/b", "/a/../b")]
    [InlineData("/./x", "/./x")]
    [InlineData("//double//slash", "//double//slash")]
    public async Task PathIsNotNormalised(string target, string pathInfo)
    {
        // Dot segments and repeated slashes reach the app as sent (decoded only): resolving them is
        // the app's or framework's business, as with other WSGI servers.
        var environ = await GetAsync(target);
        Assert.Equal(pathInfo, environ.Str("PATH_INFO"));
        Assert.Equal(target, environ.Str("RAW_URI"));
    }

    [Theory]
    [InlineData("/caf\u00c3\u00a9")]
    [InlineData("/q?x=\u00e9")]
    public async Task RawNonAsciiBytesInTheTargetAreRejected(string target)
    {
        // A request target is ASCII (RFC 9112); non-ASCII must be percent-encoded. The bytes are sent as they are.
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(Encoding.Latin1.GetBytes($"GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        var response = await connection.ReadResponseAsync();
        Assert.Equal(400, response.StatusCode);
    }

    [Fact]
    public async Task EncodedNulInThePathIsRejected()
    {
        var response = await RawHttpConnection.ExchangeAsync(server.Port, "GET /a%00b HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.Equal(400, response.StatusCode);
    }
}
