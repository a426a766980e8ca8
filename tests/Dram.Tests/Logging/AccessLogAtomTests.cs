using System.Globalization;
using System.Text;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Logging;

/// <summary>What each access log atom holds, request by request (Gunicorn's semantics).</summary>
public sealed class AccessLogAtomTests(AccessLoggedDram served) : IClassFixture<AccessLoggedDram>
{
    [Fact]
    public async Task HostIsThePeerOrTheClientATrustedProxyForwarded()
    {
        var direct = await SendAsync("GET", "/mnt/");
        var forwarded = await SendAsync("GET", "/mnt/", "X-Forwarded-For: 203.0.113.9\r\n");

        Assert.Equal("127.0.0.1", direct["h"]);
        Assert.Equal("203.0.113.9", forwarded["h"]);
        Assert.Equal("-", direct["l"]);
    }

    [Theory]
    [InlineData("bob:pw", "bob")]
    [InlineData("bob:with:colons", "bob")]
    [InlineData("nocolon", "-")]
    [InlineData(":emptyuser", "-")]
    public async Task UserIsTheBasicAuthName(string credentials, string expected)
    {
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials));

        var line = await SendAsync("GET", "/mnt/", $"Authorization: Basic {encoded}\r\n");

        Assert.Equal(expected, line["u"]);
    }

    [Theory]
    [InlineData("Bearer abc.def")]
    [InlineData("Basic !!!not-base64!!!")]
    [InlineData("Basic")]
    public async Task UserIsADashForOtherSchemesAndBrokenBasicAuth(string authorization)
    {
        var line = await SendAsync("GET", "/mnt/", $"Authorization: {authorization}\r\n");

        Assert.Equal("-", line["u"]);
    }

    [Fact]
    public async Task UserIsADashWithoutAuthorization()
    {
        Assert.Equal("-", (await SendAsync("GET", "/mnt/"))["u"]);
    }

    [Fact]
    public async Task RequestLinePathAndQueryAreAsTheAppSawThem()
    {
        var line = await SendAsync("GET", "/mnt/a%2Fb%20c?q=1&r=%41");

        Assert.Equal("GET /mnt/a%2Fb%20c?q=1&r=%41 HTTP/1.1", line["r"]);
        Assert.Equal("/a/b c", line["U"]);
        Assert.Equal("q=1&r=%41", line["q"]);
        Assert.Equal("/mnt", line["{SCRIPT_NAME}e"]);
        Assert.Equal("GET", line["m"]);
        Assert.Equal("HTTP/1.1", line["H"]);
    }

    [Fact]
    public async Task AbsentQueryIsEmptyAndHttp10IsItsOwnProtocol()
    {
        var line = await SendAsync("POST", "/mnt/read", version: "HTTP/1.0", body: "abc");

        Assert.Equal("", line["q"]);
        Assert.Equal("HTTP/1.0", line["H"]);
        Assert.Equal("POST", line["m"]);
        Assert.Equal("200", line["s"]);
        Assert.Equal("1", line["B"]);
    }

    [Fact]
    public async Task BodyBytesAreCountedAndBIsADashWhenThereAreNone()
    {
        var full = await SendAsync("GET", "/mnt/");
        var empty = await SendAsync("GET", "/mnt/empty");
        var noContent = await SendAsync("GET", "/mnt/status?code=204");
        var head = await SendAsync("HEAD", "/mnt/");

        Assert.Equal(("201", "19", "19"), (full["s"], full["b"], full["B"]));
        Assert.Equal(("200", "-", "0"), (empty["s"], empty["b"], empty["B"]));
        Assert.Equal(("204", "-", "0"), (noContent["s"], noContent["b"], noContent["B"]));
        Assert.Equal(("201", "-", "0"), (head["s"], head["b"], head["B"]));
    }

    [Fact]
    public async Task RefererAndUserAgentAreDashesWhenAbsentAndEscapedWhenPresent()
    {
        var without = await SendAsync("GET", "/mnt/");
        var with = await SendAsync("GET", "/mnt/", "Referer: http://example.com/\"x\"\r\nUser-Agent: tab\there \"quoted\"\r\n");

        Assert.Equal(("-", "-"), (without["f"], without["a"]));
        Assert.Equal("http://example.com/\\\"x\\\"", with["f"]);
        Assert.Equal("tab\\x09here \\\"quoted\\\"", with["a"]);
    }

    [Fact]
    public async Task DurationsAgreeWithEachOtherAndWithTheTimeTheAppTook()
    {
        var line = await SendAsync("GET", "/mnt/sleep?s=1.2");

        var seconds = long.Parse(line["T"], CultureInfo.InvariantCulture);
        var millis = long.Parse(line["M"], CultureInfo.InvariantCulture);
        var micros = long.Parse(line["D"], CultureInfo.InvariantCulture);
        Assert.True(micros >= 1_200_000, $"D {micros}");
        Assert.Equal(micros / 1000, millis);
        Assert.Equal(micros / 1_000_000, seconds);
        Assert.Equal($"{seconds}.{micros % 1_000_000:000000}", line["L"]);
    }

    [Fact]
    public async Task ResponseHeaderIsItsLastValueAndADashWhenAbsent()
    {
        var repeated = await SendAsync("GET", "/mnt/repeat");
        var absent = await SendAsync("GET", "/mnt/");

        Assert.Equal("second", repeated["{X-Multi}o"]);
        Assert.Equal("-", absent["{X-Multi}o"]);
    }

    [Fact]
    public async Task EnvironValueIsReadAsTheAppLeftItAndADashWhenAbsent()
    {
        var set = await SendAsync("GET", "/mnt/");
        var unset = await SendAsync("GET", "/mnt/empty");

        Assert.Equal("set by the app", set["{app.note}e"]);
        Assert.Equal("-", unset["{app.note}e"]);
    }

    [Fact]
    public async Task PidIsTheWorkersAndTimeIsWhenTheRequestEnded()
    {
        var before = DateTimeOffset.UtcNow;
        var line = await SendAsync("GET", "/mnt/");
        var after = DateTimeOffset.UtcNow;

        var worker = await served.Dram.WorkerPidAsync();
        Assert.Equal($"<{worker}>", line["p"]);
        var time = DateTimeOffset.ParseExact(line["t"], "'['dd/MMM/yyyy:HH:mm:ss zzz']'", CultureInfo.InvariantCulture);
        Assert.InRange(time, before.AddSeconds(-1), after.AddSeconds(1));
    }

    [Fact]
    public async Task WidthPrecisionAndAlignmentFollowPrintf()
    {
        var line = await SendAsync("GET", "/mnt/");

        Assert.Equal("[  201][GET   ][00019][HTTP]", line["printf"]);
    }

    /// <summary>Sends one request with an X-Mark header and returns its access log line, by atom.</summary>
    private async Task<IReadOnlyDictionary<string, string>> SendAsync(string method, string target, string headers = "",
        string version = "HTTP/1.1", string? body = null)
    {
        var mark = Guid.NewGuid().ToString("N");
        var request = $"{method} {target} {version}\r\nHost: localhost\r\nX-Mark: {mark}\r\nConnection: close\r\n{headers}"
            + (body is null ? "\r\n" : $"Content-Length: {body.Length}\r\n\r\n{body}");
        await RawHttpConnection.ExchangeAsync(served.Dram.Port, request, head: method == "HEAD");
        return await served.LineAsync(mark);
    }
}
