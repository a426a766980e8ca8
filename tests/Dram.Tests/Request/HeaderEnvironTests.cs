using System.Text;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Request;

/// <summary>Request headers as HTTP_* environ keys: naming, joining of repeats, dropped names, latin-1 values.</summary>
public sealed class HeaderEnvironTests(EnvironProbeServer server) : IClassFixture<EnvironProbeServer>
{
    private Task<EnvironReport> GetWithHeadersAsync(string headers) =>
        EnvironReport.FetchAsync(server.Port, $"GET / HTTP/1.1\r\nHost: localhost\r\n{headers}\r\n");

    [Fact]
    public async Task HeaderNamesBecomeUppercaseHttpKeysWithUnderscores()
    {
        var environ = await GetWithHeadersAsync("x-MiXeD-cAsE: v1\r\nAccept-Language: de\r\nUser-Agent: probe/1\r\n");
        Assert.Equal("v1", environ.Str("HTTP_X_MIXED_CASE"));
        Assert.Equal("de", environ.Str("HTTP_ACCEPT_LANGUAGE"));
        Assert.Equal("probe/1", environ.Str("HTTP_USER_AGENT"));
        Assert.Equal("localhost", environ.Str("HTTP_HOST"));
    }

    [Fact]
    public async Task RepeatedHeadersAreJoinedWithCommas()
    {
        var environ = await GetWithHeadersAsync("X-Forwarded-For: 10.0.0.1\r\nAccept: text/html\r\nX-Forwarded-For: 10.0.0.2\r\nX-Forwarded-For: 10.0.0.3\r\n");
        Assert.Equal("10.0.0.1,10.0.0.2,10.0.0.3", environ.Str("HTTP_X_FORWARDED_FOR"));
        Assert.Equal("text/html", environ.Str("HTTP_ACCEPT"));
    }

    [Fact]
    public async Task RepeatedCookieHeadersAreJoinedWithSemicolons()
    {
        var environ = await GetWithHeadersAsync("Cookie: a=1\r\nCookie: b=2; c=3\r\nCookie: d=4\r\n");
        Assert.Equal("a=1; b=2; c=3; d=4", environ.Str("HTTP_COOKIE"));
    }

    [Fact]
    public async Task SingleCookieHeaderIsPassedUnchanged()
    {
        var environ = await GetWithHeadersAsync("Cookie: sessionid=abc; csrftoken=def\r\n");
        Assert.Equal("sessionid=abc; csrftoken=def", environ.Str("HTTP_COOKIE"));
    }

    [Fact]
    public async Task HeaderNamesWithUnderscoresAreDropped()
    {
        var environ = await GetWithHeadersAsync("X_Forwarded_For: 6.6.6.6\r\nX-Auth_User: spoof\r\n");
        Assert.False(environ.Has("HTTP_X_FORWARDED_FOR"), environ.Json);
        Assert.False(environ.Has("HTTP_X_AUTH_USER"), environ.Json);
        Assert.DoesNotContain("spoof", environ.Json);
    }

    [Theory]
    [InlineData("X-Auth_User: spoof\r\nX-Auth-User: real\r\n")]
    [InlineData("X-Auth-User: real\r\nX-Auth_User: spoof\r\n")]
    public async Task UnderscoreHeaderCannotOverrideTheDashedOne(string headers)
    {
        var environ = await GetWithHeadersAsync(headers);
        Assert.Equal("real", environ.Str("HTTP_X_AUTH_USER"));
    }

    [Fact]
    public async Task ContentHeadersHaveNoHttpPrefixedCopies()
    {
        var environ = await EnvironReport.FetchAsync(server.Port,
            "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n\r\nhi");
        Assert.Equal("text/plain; charset=utf-8", environ.Str("CONTENT_TYPE"));
        Assert.Equal("2", environ.Str("CONTENT_LENGTH"));
        Assert.False(environ.Has("HTTP_CONTENT_TYPE"), environ.Json);
        Assert.False(environ.Has("HTTP_CONTENT_LENGTH"), environ.Json);
    }

    [Fact]
    public async Task Latin1HeaderBytesArriveAsLatin1Characters()
    {
        // Raw bytes 0xE9 and 0xFF on the wire: one character each, U+00E9 and U+00FF.
        var request = Encoding.Latin1.GetBytes("GET / HTTP/1.1\r\nHost: localhost\r\nX-Name: caf\u00e9 \u00ff\r\n\r\n");
        var environ = await SendBytesAsync(request);
        Assert.Equal("caf\u00e9 \u00ff", environ.Str("HTTP_X_NAME"));
    }

    [Fact]
    public async Task Utf8HeaderBytesArriveAsOneLatin1CharacterPerByte()
    {
        var head = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: localhost\r\nX-Name: ");
        var value = Encoding.UTF8.GetBytes("café");
        var tail = Encoding.ASCII.GetBytes("\r\n\r\n");
        var environ = await SendBytesAsync([.. head, .. value, .. tail]);
        Assert.Equal("caf\u00c3\u00a9", environ.Str("HTTP_X_NAME"));
        Assert.Equal("café", Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(environ.Str("HTTP_X_NAME"))));
    }

    [Fact]
    public async Task SurroundingWhitespaceIsTrimmedFromValues()
    {
        var environ = await GetWithHeadersAsync("X-Padded: \t value with  inner spaces \t\r\n");
        Assert.Equal("value with  inner spaces", environ.Str("HTTP_X_PADDED"));
    }

    [Fact]
    public async Task EmptyHeaderValueIsAnEmptyString()
    {
        var environ = await GetWithHeadersAsync("X-Empty:\r\n");
        Assert.Equal("", environ.Str("HTTP_X_EMPTY"));
    }

    [Fact]
    public async Task NinetyHeadersInOneRequestAllArrive()
    {
        var headers = string.Concat(Enumerable.Range(0, 90).Select(i => $"X-Many-{i}: value-{i}\r\n"));
        var environ = await GetWithHeadersAsync(headers);
        for (var i = 0; i < 90; i++)
        {
            Assert.Equal($"value-{i}", environ.Str($"HTTP_X_MANY_{i}"));
        }
    }

    [Fact]
    public async Task HeadersKeepArrivingAfterManyDistinctNamesHaveBeenSeen()
    {
        // Environ keys of header names are cached up to a limit; names past it are made per
        // request. Both kinds must give the same environ, request after request.
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        for (var round = 0; round < 8; round++)
        {
            var names = Enumerable.Range(0, 90).Select(i => $"X-Seen-{round}-{i}").ToList();
            await connection.SendAsync("GET / HTTP/1.1\r\nHost: localhost\r\n" + string.Concat(names.Select(n => $"{n}: {n}\r\n")) + "\r\n");
            var environ = EnvironReport.From(await connection.ReadResponseAsync());
            foreach (var name in names)
            {
                Assert.Equal(name, environ.Str("HTTP_" + name.ToUpperInvariant().Replace('-', '_')));
            }
        }
        await connection.SendAsync("GET / HTTP/1.1\r\nHost: localhost\r\nX-Seen-0-0: again\r\nX-Seen-7-89: again\r\n\r\n");
        var last = EnvironReport.From(await connection.ReadResponseAsync());
        Assert.Equal("again", last.Str("HTTP_X_SEEN_0_0"));
        Assert.Equal("again", last.Str("HTTP_X_SEEN_7_89"));
        Assert.False(last.Has("HTTP_X_SEEN_3_3"), last.Json);
    }

    private async Task<EnvironReport> SendBytesAsync(byte[] request)
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(request);
        return EnvironReport.From(await connection.ReadResponseAsync());
    }
}
