using System.Net;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Proxies;

/// <summary>
/// --forwarded-allow-ips: REMOTE_ADDR (and REMOTE_PORT) come from X-Forwarded-For and the scheme
/// from the secure scheme headers only when the socket's peer is trusted: an address or CIDR in
/// the list (IPv4 or IPv6), '*', or a unix-socket peer. A client connecting from elsewhere keeps
/// its own address whatever it writes into the headers.
/// </summary>
public sealed class ForwardedHeadersTests(EnvironProbeServer server) : IClassFixture<EnvironProbeServer>
{
    /// <summary>A loopback address outside the default list (127.0.0.1,::1): a client, not a proxy.</summary>
    private static readonly IPAddress Outsider = IPAddress.Parse("127.0.0.2");

    private const string Spoofed = "X-Forwarded-For: 203.0.113.66\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Ssl: on\r\nX-Forwarded-Protocol: ssl\r\n";

    [Fact]
    public async Task TrustedProxySetsTheClientAddressAndScheme()
    {
        var environ = await FetchAsync(server.Port, null, "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n");

        Assert.Equal("203.0.113.7", environ.Str("REMOTE_ADDR"));
        Assert.Equal("https", environ.Str("wsgi.url_scheme"));
        // The proxy's own port does not belong to the client.
        Assert.False(environ.Has("REMOTE_PORT"), environ.Json);
        Assert.Equal("203.0.113.7", environ.Str("HTTP_X_FORWARDED_FOR"));
    }

    [Theory]
    [InlineData("203.0.113.7:4711", "203.0.113.7", "4711")]
    [InlineData("[2001:db8::7]:4711", "2001:db8::7", "4711")]
    [InlineData("[2001:db8::7]", "2001:db8::7", null)]
    [InlineData("2001:db8::7", "2001:db8::7", null)]
    [InlineData("203.0.113.7 ,\t127.0.0.1", "203.0.113.7", null)]
    public async Task ClientPortIsTakenWhenTheProxyGivesOne(string forwardedFor, string address, string? port)
    {
        var environ = await FetchAsync(server.Port, null, $"X-Forwarded-For: {forwardedFor}\r\n");

        Assert.Equal(address, environ.Str("REMOTE_ADDR"));
        Assert.Equal(port, environ.StrOrNull("REMOTE_PORT"));
    }

    [Theory]
    [InlineData("X-Forwarded-For: 6.6.6.6, 203.0.113.7, 127.0.0.1\r\n", "203.0.113.7")]
    [InlineData("X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-For: 203.0.113.7, ::1\r\n", "203.0.113.7")]
    [InlineData("X-Forwarded-For: 127.0.0.1, ::1\r\n", "127.0.0.1")]
    public async Task TheClientIsTheRightmostEntryThatIsNotATrustedProxy(string headers, string client)
    {
        var environ = await FetchAsync(server.Port, null, headers);

        Assert.Equal(client, environ.Str("REMOTE_ADDR"));
    }

    [Theory]
    [InlineData("unknown")]
    [InlineData("10.1")]
    [InlineData("010.0.0.1")]
    [InlineData("203.0.113.7, _hidden")]
    [InlineData("203.0.113.7:99999")]
    [InlineData("")]
    public async Task AnEntryThatIsNotAnAddressLeavesTheSocketPeer(string forwardedFor)
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync($"GET / HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: {forwardedFor}\r\n\r\n");
        var environ = EnvironReport.From(await connection.ReadResponseAsync());

        Assert.Equal("127.0.0.1", environ.Str("REMOTE_ADDR"));
        Assert.Equal(connection.LocalPort.ToString(), environ.Str("REMOTE_PORT"));
    }

    [Fact]
    public async Task AnUntrustedPeerCannotSpoofItsAddressOrScheme()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port, Outsider);
        await connection.SendAsync($"GET / HTTP/1.1\r\nHost: localhost\r\n{Spoofed}\r\n");
        var environ = EnvironReport.From(await connection.ReadResponseAsync());

        Assert.Equal("127.0.0.2", environ.Str("REMOTE_ADDR"));
        Assert.Equal(connection.LocalPort.ToString(), environ.Str("REMOTE_PORT"));
        Assert.Equal("http", environ.Str("wsgi.url_scheme"));
        // The headers still reach the app as headers; only the server does not believe them.
        Assert.Equal("203.0.113.66", environ.Str("HTTP_X_FORWARDED_FOR"));
        RobustnessLog.Record("Proxies", "a client outside --forwarded-allow-ips sends X-Forwarded-For and X-Forwarded-Proto: https",
            "REMOTE_ADDR and REMOTE_PORT stay the socket's, wsgi.url_scheme stays http");
    }

    [Fact]
    public async Task AnUntrustedPeerWithContradictorySchemeHeadersIsNotRefused()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port, Outsider);
        await connection.SendAsync("GET / HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Ssl: off\r\n\r\n");
        var environ = EnvironReport.From(await connection.ReadResponseAsync());

        Assert.Equal("http", environ.Str("wsgi.url_scheme"));
    }

    [Theory]
    [InlineData("127.0.0.0/30", true)]
    [InlineData("127.0.0.0/31", false)]
    [InlineData("126.0.0.0/7", true)]
    [InlineData("128.0.0.0/1", false)]
    [InlineData("0.0.0.0/0", true)]
    [InlineData("127.0.0.1/32", false)]
    [InlineData("127.0.0.2/32", true)]
    [InlineData("10.0.0.1, 127.0.0.2", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("*", true)]
    public async Task AddressesAndNetworksInTheListAreTrusted(string allowed, bool trusted)
    {
        await using var dram = await DramProcess.StartAsync("environ_probe:application", ["--forwarded-allow-ips", allowed]);

        var environ = await FetchAsync(dram.Port, Outsider, "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n");

        Assert.Equal(trusted ? "203.0.113.7" : "127.0.0.2", environ.Str("REMOTE_ADDR"));
        Assert.Equal(trusted ? "https" : "http", environ.Str("wsgi.url_scheme"));
    }

    [IPv6LoopbackFact]
    public async Task IPv6NetworksAreMatchedByPrefix()
    {
        var port = FreePort.Next();
        await using var trusting = await DramProcess.StartAsync("environ_probe:application",
            ["--bind", $"[::1]:{port}", "--forwarded-allow-ips", "10.0.0.0/8,::/127"]);
        var trusted = await FetchAsync(port, null, "X-Forwarded-For: 2001:db8::7\r\nX-Forwarded-Proto: https\r\n", IPAddress.IPv6Loopback);
        await trusting.StopAsync();

        port = FreePort.Next();
        await using var other = await DramProcess.StartAsync("environ_probe:application",
            ["--bind", $"[::1]:{port}", "--forwarded-allow-ips", "::2/128,fe80::/10"]);
        var untrusted = await FetchAsync(port, null, "X-Forwarded-For: 2001:db8::7\r\nX-Forwarded-Proto: https\r\n", IPAddress.IPv6Loopback);

        Assert.Equal("2001:db8::7", trusted.Str("REMOTE_ADDR"));
        Assert.Equal("https", trusted.Str("wsgi.url_scheme"));
        Assert.Equal("::1", untrusted.Str("REMOTE_ADDR"));
        Assert.Equal("http", untrusted.Str("wsgi.url_scheme"));
    }

    [Fact]
    public async Task TheListCanComeFromTheEnvironment()
    {
        await using var dram = await DramProcess.StartAsync("environ_probe:application",
            environment: new Dictionary<string, string> { ["FORWARDED_ALLOW_IPS"] = "127.0.0.2" });

        var fromOutsider = await FetchAsync(dram.Port, Outsider, "X-Forwarded-For: 203.0.113.7\r\n");
        var fromLocalhost = await FetchAsync(dram.Port, null, "X-Forwarded-For: 203.0.113.8\r\n");

        Assert.Equal("203.0.113.7", fromOutsider.Str("REMOTE_ADDR"));
        Assert.Equal("127.0.0.1", fromLocalhost.Str("REMOTE_ADDR"));
    }

    /// <summary>
    /// Requests repeating the request line, Host and peer of the one before share the fixed part
    /// of their environ; what a trusted proxy's headers change (client, scheme, server port) and
    /// what any request adds must still be each request's own, in every order.
    /// </summary>
    [Fact]
    public async Task RepeatedRequestLinesFromAProxyEachSeeTheirOwnClientAndScheme()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        var ownPort = connection.LocalPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var requests = new (string Headers, string Address, string? Port, string Scheme, string ServerPort, bool HasExtra)[]
        {
            ("", "127.0.0.1", ownPort, "http", "8000", false),
            ("", "127.0.0.1", ownPort, "http", "8000", false),
            ("X-Forwarded-For: 203.0.113.7\r\n", "203.0.113.7", null, "http", "8000", false),
            ("", "127.0.0.1", ownPort, "http", "8000", false),
            ("X-Forwarded-Proto: https\r\n", "127.0.0.1", ownPort, "https", "8000", false),
            ("X-Extra: 1\r\n", "127.0.0.1", ownPort, "http", "8000", true),
            ("X-Forwarded-For: 203.0.113.8:4711\r\nX-Forwarded-Proto: https\r\n", "203.0.113.8", "4711", "https", "8000", false),
            ("", "127.0.0.1", ownPort, "http", "8000", false),
        };
        foreach (var r in requests)
        {
            await connection.SendAsync($"GET /same?q=1 HTTP/1.1\r\nHost: site.example:8000\r\n{r.Headers}\r\n");
            var environ = EnvironReport.From(await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(10)));
            Assert.Equal(r.Address, environ.Str("REMOTE_ADDR"));
            Assert.Equal(r.Port, environ.StrOrNull("REMOTE_PORT"));
            Assert.Equal(r.Scheme, environ.Str("wsgi.url_scheme"));
            Assert.Equal("site.example", environ.Str("SERVER_NAME"));
            Assert.Equal(r.ServerPort, environ.Str("SERVER_PORT"));
            Assert.Equal("site.example:8000", environ.Str("HTTP_HOST"));
            Assert.Equal("/same", environ.Str("PATH_INFO"));
            Assert.Equal("q=1", environ.Str("QUERY_STRING"));
            Assert.Equal(r.HasExtra, environ.Has("HTTP_X_EXTRA"));
            Assert.Equal(r.Headers.Contains("X-Forwarded-For"), environ.Has("HTTP_X_FORWARDED_FOR"));
        }
    }

    [Fact]
    public async Task AUnixSocketPeerIsTrusted()
    {
        using var directory = new TemporaryDirectory("dram-fwd-");
        var socket = Path.Combine(directory.Path, "dram.sock");
        await using var dram = await DramProcess.StartAsync("environ_probe:application",
            ["--bind", $"unix:{socket}", "--forwarded-allow-ips", "10.9.9.9"]);

        using var connection = await RawHttpConnection.OpenUnixAsync(socket);
        await connection.SendAsync("GET / HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n\r\n");
        var environ = EnvironReport.From(await connection.ReadResponseAsync());

        Assert.Equal("203.0.113.7", environ.Str("REMOTE_ADDR"));
        Assert.False(environ.Has("REMOTE_PORT"), environ.Json);
        Assert.Equal("https", environ.Str("wsgi.url_scheme"));
    }

    [Theory]
    [InlineData("10.0.0.0/33", "'10.0.0.0/33' has an invalid prefix length")]
    [InlineData("::1/129", "'::1/129' has an invalid prefix length")]
    [InlineData("10.0.0.0/x", "'10.0.0.0/x' has an invalid prefix length")]
    [InlineData("10.1", "'10.1' is not an IP address or CIDR network")]
    [InlineData("010.0.0.1", "'010.0.0.1' is not an IP address or CIDR network")]
    [InlineData("proxy.example.com", "'proxy.example.com' is not an IP address or CIDR network")]
    public async Task ABadEntryIsAUsageErrorNamingIt(string allowed, string message)
    {
        var (exitCode, output) = await DramProcess.RunToExitAsync(["--forwarded-allow-ips", allowed, "--chdir", Repo.Apps, "environ_probe:application"]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"dram: error: --forwarded-allow-ips {allowed}: {message}", output);
        Assert.DoesNotContain("Listening at", output);
    }

    private static async Task<EnvironReport> FetchAsync(int port, IPAddress? from, string headers, IPAddress? to = null)
    {
        using var connection = await RawHttpConnection.OpenAsync(port, from, to);
        await connection.SendAsync($"GET / HTTP/1.1\r\nHost: localhost\r\n{headers}\r\n");
        return EnvironReport.From(await connection.ReadResponseAsync());
    }
}
