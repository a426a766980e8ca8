using Dram.Tests.Infrastructure;

namespace Dram.Tests.Request;

/// <summary>The environ's shape: a plain dict, the CGI variables as str, and the wsgi.* entries PEP 3333 requires.</summary>
public sealed class EnvironTests(EnvironProbeServer server) : IClassFixture<EnvironProbeServer>
{
    private static readonly string[] CgiKeys =
    [
        "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "SERVER_NAME", "SERVER_PORT",
        "SERVER_PROTOCOL", "SERVER_SOFTWARE", "REMOTE_ADDR", "REMOTE_PORT", "RAW_URI",
    ];

    [Fact]
    public async Task EnvironIsExactlyABuiltInDict()
    {
        var environ = await EnvironReport.FetchAsync(server.Port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.Equal("dict", environ.EnvironType);
        Assert.True(environ.EnvironIsDict);
    }

    [Fact]
    public async Task EveryCgiVariableIsPresentAsStr()
    {
        var environ = await EnvironReport.FetchAsync(server.Port, "GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n");
        foreach (var key in CgiKeys)
        {
            Assert.True(environ.Has(key), $"environ lacks {key}: {environ.Json}");
            Assert.Equal("str", environ.TypeOf(key));
        }
    }

    [Fact]
    public async Task EveryKeyWithoutADotHoldsAStr()
    {
        var environ = await EnvironReport.FetchAsync(server.Port,
            "POST /x?y=1 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nX-One: 1\r\nCookie: a=b\r\n\r\nabc");
        var plain = environ.Keys.Where(k => !k.Contains('.')).ToList();
        Assert.Contains("HTTP_X_ONE", plain);
        Assert.Contains("CONTENT_TYPE", plain);
        Assert.All(plain, key => Assert.True(environ.TypeOf(key) == "str", $"environ['{key}'] is {environ.TypeOf(key)}, not str"));
    }

    /// <summary>
    /// The keys set on every request start out in the environ's template as None; whatever the
    /// request lacks (a Host header, a query, a body), none may reach the app so.
    /// </summary>
    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")]
    [InlineData("GET / HTTP/1.0\r\n\r\n")]
    [InlineData("GET http://site.example/a?b HTTP/1.1\r\nHost: site.example\r\n\r\n")]
    [InlineData("POST /x?y=1 HTTP/1.1\r\nHost: localhost:8000\r\nContent-Length: 0\r\n\r\n")]
    public async Task NoEnvironValueIsNone(string request)
    {
        var environ = await EnvironReport.FetchAsync(server.Port, request);
        Assert.DoesNotContain(environ.Keys, key => environ.TypeOf(key) == "NoneType");
        Assert.Equal("str", environ.TypeOf("REMOTE_ADDR"));
    }

    [Fact]
    public async Task RequestMethodIsTheMethodAsSent()
    {
        foreach (var method in new[] { "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND" })
        {
            var environ = await EnvironReport.FetchAsync(server.Port, $"{method} / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n");
            Assert.Equal(method, environ.Str("REQUEST_METHOD"));
        }
    }

    [Fact]
    public async Task ContentTypeAndLengthAreCgiVariablesWithoutHttpPrefix()
    {
        var environ = await EnvironReport.FetchAsync(server.Port,
            "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=b");
        Assert.Equal("application/x-www-form-urlencoded", environ.Str("CONTENT_TYPE"));
        Assert.Equal("3", environ.Str("CONTENT_LENGTH"));
        Assert.False(environ.Has("HTTP_CONTENT_TYPE"), environ.Json);
        Assert.False(environ.Has("HTTP_CONTENT_LENGTH"), environ.Json);
    }

    [Fact]
    public async Task RequestWithoutBodyHasNoContentLengthValue()
    {
        var environ = await EnvironReport.FetchAsync(server.Port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        // PEP 3333: CONTENT_LENGTH and CONTENT_TYPE may be empty or absent, never a made-up value.
        Assert.Equal("", environ.StrOrNull("CONTENT_LENGTH") ?? "");
        Assert.Equal("", environ.StrOrNull("CONTENT_TYPE") ?? "");
    }

    [Fact]
    public async Task ServerSoftwareNamesDram()
    {
        var environ = await EnvironReport.FetchAsync(server.Port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.StartsWith("dram/", environ.Str("SERVER_SOFTWARE"));
    }

    [Theory]
    [InlineData("HTTP/1.1")]
    [InlineData("HTTP/1.0")]
    public async Task ServerProtocolIsTheRequestsVersion(string version)
    {
        var environ = await EnvironReport.FetchAsync(server.Port, $"GET / {version}\r\nHost: localhost\r\n\r\n");
        Assert.Equal(version, environ.Str("SERVER_PROTOCOL"));
    }

    [Fact]
    public async Task WsgiVersionIsTheTupleOneZero()
    {
        var environ = await EnvironReport.FetchAsync(server.Port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.Equal("tuple", environ.TypeOf("wsgi.version"));
        Assert.Equal("(1, 0)", environ.WsgiVersionRepr);
    }

    [Fact]
    public async Task UrlSchemeIsHttpOnAPlainSocket()
    {
        var environ = await EnvironReport.FetchAsync(server.Port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.Equal("http", environ.Str("wsgi.url_scheme"));
    }

    [Fact]
    public async Task SingleProcessServerIsNotMultiprocessAndNotRunOnce()
    {
        var environ = await EnvironReport.FetchAsync(server.Port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.False(environ.Flag("wsgi.multiprocess"));
        Assert.False(environ.Flag("wsgi.run_once"));
    }

    [Fact]
    public async Task InputIsTerminatedSoAppsMayReadToTheEnd()
    {
        var environ = await EnvironReport.FetchAsync(server.Port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.True(environ.Flag("wsgi.input_terminated"));
    }

    [Fact]
    public async Task InputAndErrorsHaveTheStreamMethodsPep3333Requires()
    {
        var environ = await EnvironReport.FetchAsync(server.Port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.Equal(["read", "readline", "readlines", "__iter__"], environ.InputMethods);
        Assert.Equal(["write", "writelines", "flush"], environ.ErrorsMethods);
    }

    [Fact]
    public async Task FileWrapperIsACallable()
    {
        var environ = await EnvironReport.FetchAsync(server.Port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.True(environ.Has("wsgi.file_wrapper"), environ.Json);
        Assert.True(environ.FileWrapperCallable);
    }

    [Fact]
    public async Task EachRequestGetsItsOwnEnviron()
    {
        // The environ is copied from a template per request: what one request had must not leak into the next.
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync("GET /first?a=1 HTTP/1.1\r\nHost: localhost\r\nX-Only-First: yes\r\n\r\n");
        var first = EnvironReport.From(await connection.ReadResponseAsync());
        await connection.SendAsync("GET /second HTTP/1.1\r\nHost: localhost\r\n\r\n");
        var second = EnvironReport.From(await connection.ReadResponseAsync());
        Assert.Equal("yes", first.Str("HTTP_X_ONLY_FIRST"));
        Assert.False(second.Has("HTTP_X_ONLY_FIRST"), second.Json);
        Assert.Equal("/second", second.Str("PATH_INFO"));
        Assert.Equal("", second.Str("QUERY_STRING"));
    }

    /// <summary>
    /// Text repeated between requests (target, Host, header values, client address) is served from
    /// str objects shared between environs; on one keep-alive connection, each request must still
    /// see exactly its own values, whether they repeat, change, or come back.
    /// </summary>
    [Fact]
    public async Task RepeatedAndChangingValuesOnOneConnectionEachSeeTheirOwnRequest()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        var requests = new (string Target, string Host, string Agent, string Path, string Query, string Name, string Port)[]
        {
            ("/a?x=1", "example.com:8080", "agent-one", "/a", "x=1", "example.com", "8080"),
            ("/a?x=1", "example.com:8080", "agent-one", "/a", "x=1", "example.com", "8080"),
            ("/b%20c", "example.com", "agent-two", "/b c", "", "example.com", "80"),
            ("/a?x=1", "other.test:9", "agent-one", "/a", "x=1", "other.test", "9"),
            ("/a?x=2", "other.test:9", "agent-one", "/a", "x=2", "other.test", "9"),
            ("/a?x=1", "example.com:8080", "agent-two", "/a", "x=1", "example.com", "8080"),
        };
        foreach (var r in requests)
        {
            await connection.SendAsync($"GET {r.Target} HTTP/1.1\r\nHost: {r.Host}\r\nUser-Agent: {r.Agent}\r\n\r\n");
            var environ = EnvironReport.From(await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(10)));
            Assert.Equal(r.Target, environ.Str("RAW_URI"));
            Assert.Equal(r.Path, environ.Str("PATH_INFO"));
            Assert.Equal(r.Query, environ.Str("QUERY_STRING"));
            Assert.Equal(r.Host, environ.Str("HTTP_HOST"));
            Assert.Equal(r.Name, environ.Str("SERVER_NAME"));
            Assert.Equal(r.Port, environ.Str("SERVER_PORT"));
            Assert.Equal(r.Agent, environ.Str("HTTP_USER_AGENT"));
            Assert.Equal("127.0.0.1", environ.Str("REMOTE_ADDR"));
            Assert.Equal(connection.LocalPort.ToString(System.Globalization.CultureInfo.InvariantCulture), environ.Str("REMOTE_PORT"));
        }
    }

    /// <summary>
    /// REMOTE_PORT strings are kept by port between requests; connections taking turns, more of
    /// them than are kept and twice round, each still see their own port.
    /// </summary>
    [Fact]
    public async Task ManyConnectionsTakingTurnsEachSeeTheirOwnRemotePort()
    {
        var connections = new List<RawHttpConnection>();
        try
        {
            for (var i = 0; i < 100; i++)
            {
                connections.Add(await RawHttpConnection.OpenAsync(server.Port));
            }
            for (var round = 0; round < 2; round++)
            {
                foreach (var connection in connections)
                {
                    await connection.SendAsync("GET /port HTTP/1.1\r\nHost: localhost\r\n\r\n");
                    var environ = EnvironReport.From(await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(10)));
                    Assert.Equal(connection.LocalPort.ToString(System.Globalization.CultureInfo.InvariantCulture), environ.Str("REMOTE_PORT"));
                }
            }
        }
        finally
        {
            foreach (var connection in connections)
            {
                connection.Dispose();
            }
        }
    }
}
