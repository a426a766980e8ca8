using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Dram.Tests.Infrastructure;
using static Dram.Tests.Proxies.ProxyHeaderBytes;

namespace Dram.Tests.Proxies;

/// <summary>
/// --proxy-protocol with hand-built headers over raw sockets: every valid v1 and v2 form sets
/// REMOTE_ADDR and REMOTE_PORT (or keeps the socket's peer where the specification says so), and
/// every missing, malformed, truncated, oversized or too slow header, or a peer outside
/// --proxy-allow-from, gets the connection closed without an answer and one log line.
/// </summary>
public sealed class ProxyProtocolTests(ProxyProtocolTests.ProxiedServer server) : IClassFixture<ProxyProtocolTests.ProxiedServer>
{
    public sealed class ProxiedServer : SharedDram
    {
        protected override string App => "environ_probe:application";

        protected override IEnumerable<string> Args => ["--proxy-protocol"];
    }

    private const string Get = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

    private static readonly IPAddress Outsider = IPAddress.Parse("127.0.0.2");

    private async Task<(EnvironReport Environ, int LocalPort)> FetchAsync(byte[] header)
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync([.. header, .. Encoding.ASCII.GetBytes(Get)]);
        return (EnvironReport.From(await connection.ReadResponseAsync()), connection.LocalPort);
    }

    [Theory]
    [InlineData("PROXY TCP4 203.0.113.7 10.0.0.1 51234 443\r\n", "203.0.113.7", "51234")]
    [InlineData("PROXY TCP4 203.0.113.7 10.0.0.1 0 443\r\n", "203.0.113.7", "0")]
    [InlineData("PROXY TCP6 2001:db8::7 2001:db8::1 51234 443\r\n", "2001:db8::7", "51234")]
    [InlineData("PROXY TCP6 ::ffff:203.0.113.7 ::ffff:10.0.0.1 51234 443\r\n", "203.0.113.7", "51234")]
    public async Task AV1HeaderNamesTheClient(string line, string address, string port)
    {
        var (environ, _) = await FetchAsync(V1(line));

        Assert.Equal(address, environ.Str("REMOTE_ADDR"));
        Assert.Equal(port, environ.Str("REMOTE_PORT"));
    }

    [Theory]
    [InlineData("PROXY UNKNOWN\r\n")]
    [InlineData("PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n")]
    public async Task AV1UnknownHeaderKeepsTheSocketPeer(string line)
    {
        var (environ, localPort) = await FetchAsync(V1(line));

        Assert.Equal("127.0.0.1", environ.Str("REMOTE_ADDR"));
        Assert.Equal(localPort.ToString(), environ.Str("REMOTE_PORT"));
    }

    [Fact]
    public async Task AV2HeaderNamesTheClient()
    {
        var (v4, _) = await FetchAsync(V2Tcp(IPAddress.Parse("203.0.113.7"), 51234));
        var (v6, _) = await FetchAsync(V2Tcp(IPAddress.Parse("2001:db8::7"), 4711));

        Assert.Equal("203.0.113.7", v4.Str("REMOTE_ADDR"));
        Assert.Equal("51234", v4.Str("REMOTE_PORT"));
        Assert.Equal("2001:db8::7", v6.Str("REMOTE_ADDR"));
        Assert.Equal("4711", v6.Str("REMOTE_PORT"));
    }

    [Fact]
    public async Task V2TlvsAreSkipped()
    {
        byte[] tlvs = [.. Tlv(0x01, "h2"u8.ToArray()), .. Tlv(0x02, "example.com"u8.ToArray()), .. Tlv(0x05, new byte[300]), .. Tlv(0x04, [])];

        var (environ, _) = await FetchAsync(V2Tcp(IPAddress.Parse("203.0.113.7"), 51234, tlvs));

        Assert.Equal("203.0.113.7", environ.Str("REMOTE_ADDR"));
        Assert.Equal("GET", environ.Str("REQUEST_METHOD"));
    }

    [Theory]
    [InlineData(Local, 0x11)]
    [InlineData(Local, 0x00)]
    [InlineData(Proxy, 0x00)]
    [InlineData(Proxy, 0x12)]
    [InlineData(Proxy, 0x31)]
    public async Task V2LocalAndUnspecifiedFamiliesKeepTheSocketPeer(byte command, byte family)
    {
        var addressLength = family switch { 0x11 or 0x12 => 12, 0x31 => 216, _ => 0 };

        var (environ, localPort) = await FetchAsync(V2(command, family, new byte[addressLength]));

        Assert.Equal("127.0.0.1", environ.Str("REMOTE_ADDR"));
        Assert.Equal(localPort.ToString(), environ.Str("REMOTE_PORT"));
    }

    [Fact]
    public async Task AHeaderArrivingOneByteAtATimeIsRead()
    {
        foreach (var header in new[] { V1("PROXY TCP4 203.0.113.7 10.0.0.1 51234 443\r\n"), V2Tcp(IPAddress.Parse("203.0.113.8"), 51234) })
        {
            using var connection = await RawHttpConnection.OpenAsync(server.Port);
            foreach (var b in header)
            {
                await connection.SendAsync([b]);
                await Task.Delay(2);
            }
            await connection.SendAsync(Get);
            var environ = EnvironReport.From(await connection.ReadResponseAsync());
            Assert.StartsWith("203.0.113.", environ.Str("REMOTE_ADDR"));
        }
    }

    [Fact]
    public async Task EveryRequestOfAKeepAliveConnectionHasTheClientAddress()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync([.. V1("PROXY TCP4 203.0.113.7 10.0.0.1 51234 443\r\n"), .. Encoding.ASCII.GetBytes(Get + Get)]);
        var first = EnvironReport.From(await connection.ReadResponseAsync());
        var second = EnvironReport.From(await connection.ReadResponseAsync());
        await connection.SendAsync(Get);
        var third = EnvironReport.From(await connection.ReadResponseAsync());

        Assert.All([first, second, third], e => Assert.Equal("203.0.113.7", e.Str("REMOTE_ADDR")));
    }

    /// <summary>Bytes that must get the connection closed, and what the log line says about them.</summary>
    public static TheoryData<string, byte[], string> Malformed => new()
    {
        { "no header", Encoding.ASCII.GetBytes(Get), "did not start with a PROXY protocol header (it began with 'GET / HTTP/1.1\\r\\nHost: localhost\\r'...)" },
        { "v1 lowercase", V1("proxy TCP4 203.0.113.7 10.0.0.1 51234 443\r\n"), "did not start with a PROXY protocol header" },
        { "v1 five fields", V1("PROXY TCP4 203.0.113.7 10.0.0.1 51234\r\n"), "has 5 fields separated by single spaces; 6 were expected" },
        { "v1 double space", V1("PROXY TCP4 203.0.113.7  10.0.0.1 51234 443\r\n"), "has 7 fields separated by single spaces" },
        { "v1 unknown protocol", V1("PROXY TCP5 203.0.113.7 10.0.0.1 51234 443\r\n"), "names protocol 'TCP5'; TCP4, TCP6 or UNKNOWN was expected" },
        { "v1 IPv6 in TCP4", V1("PROXY TCP4 2001:db8::7 10.0.0.1 51234 443\r\n"), "addresses are not TCP4 addresses" },
        { "v1 IPv4 in TCP6", V1("PROXY TCP6 203.0.113.7 10.0.0.1 51234 443\r\n"), "addresses are not TCP6 addresses" },
        { "v1 short address", V1("PROXY TCP4 203.0.113 10.0.0.1 51234 443\r\n"), "addresses are not TCP4 addresses" },
        { "v1 octal-looking address", V1("PROXY TCP4 010.0.0.7 10.0.0.1 51234 443\r\n"), "addresses are not TCP4 addresses" },
        { "v1 port too large", V1("PROXY TCP4 203.0.113.7 10.0.0.1 65536 443\r\n"), "ports are not numbers from 0 to 65535" },
        { "v1 port with leading zero", V1("PROXY TCP4 203.0.113.7 10.0.0.1 051234 443\r\n"), "ports are not numbers from 0 to 65535" },
        { "v1 negative port", V1("PROXY TCP4 203.0.113.7 10.0.0.1 -1 443\r\n"), "ports are not numbers from 0 to 65535" },
        { "v1 bare LF", V1("PROXY TCP4 203.0.113.7 10.0.0.1 51234 443\n"), "does not end with CRLF" },
        { "v1 control byte", V1("PROXY TCP4 203.0.113.7\t10.0.0.1 51234 443\r\n"), "bytes other than printable ASCII" },
        { "v1 oversized", V1("PROXY UNKNOWN " + new string('x', 200) + "\r\n"), "longer than 107 bytes" },
        { "v2 version 1", V2(0x11, 0x11, new byte[12]), "declares version 1; 2 was expected" },
        { "v2 command 2", V2(0x22, 0x11, new byte[12]), "has command 2; LOCAL (0) or PROXY (1) was expected" },
        { "v2 family 4", V2(Proxy, 0x41, new byte[12]), "address family and transport 0x41, which the specification does not define" },
        { "v2 transport 3", V2(Proxy, 0x13, new byte[12]), "address family and transport 0x13" },
        { "v2 short IPv4 block", V2(Proxy, 0x11, new byte[4]), "declares 4 bytes of addresses and TLVs; family 0x11 needs at least 12" },
        { "v2 short IPv6 block", V2(Proxy, 0x21, new byte[12]), "family 0x21 needs at least 36" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task AMalformedHeaderClosesTheConnectionWithOneLogLine(string name, byte[] bytes, string logged)
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync([.. bytes, .. Encoding.ASCII.GetBytes(Get)]);
        var reply = await ReadAllAsync(connection);

        Assert.True(reply.Length == 0, $"{name}: expected no answer, got {Encoding.Latin1.GetString(reply)}");
        var line = $"PROXY protocol: closed the connection from 127.0.0.1:{connection.LocalPort}: ";
        Assert.True(await server.Dram.WaitForOutputAsync(line), $"{name}: no log line\n{server.Dram.Output}");
        Assert.Equal(1, server.Dram.CountInOutput(line));
        Assert.Contains(logged, LineOf(server.Dram.Output, line));
        RobustnessLog.Record("Proxies", $"--proxy-protocol: {name}", "connection closed without an answer, one warning naming the problem");
    }

    [Fact]
    public async Task AnOversizedV1LineIsRefusedWithoutWaitingForMore()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        // A PROXY line that never ends: the server must give up at 107 bytes, not buffer on until
        // the header timeout.
        await connection.SendAsync(V1("PROXY TCP4 " + new string('1', 4096)));
        var closed = await connection.IsClosedByServerAsync(TimeSpan.FromSeconds(15));

        Assert.True(closed);
        var line = $"PROXY protocol: closed the connection from 127.0.0.1:{connection.LocalPort}: the PROXY v1 line is longer than 107 bytes";
        Assert.True(await server.Dram.WaitForOutputAsync(line), server.Dram.Output);
    }

    [Theory]
    [InlineData("v1", "PROXY TCP4 203.0.")]
    [InlineData("v2", "")]
    public async Task AHeaderCutShortByTheProxyIsLogged(string version, string v1Start)
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        // v2: a header that declares a 12-byte IPv4 block but sends 5 bytes of it.
        byte[] partial = version == "v1" ? V1(v1Start) : [.. V2Signature, Proxy, 0x11, 0x00, 0x0C, 1, 2, 3, 4, 5];
        await connection.SendAsync(partial);
        connection.Socket.Shutdown(SocketShutdown.Send);
        var closed = await connection.IsClosedByServerAsync(TimeSpan.FromSeconds(15));

        Assert.True(closed);
        var line = $"PROXY protocol: closed the connection from 127.0.0.1:{connection.LocalPort}: the peer closed the connection after {partial.Length} bytes, inside the PROXY protocol header";
        Assert.True(await server.Dram.WaitForOutputAsync(line), server.Dram.Output);
    }

    [Fact]
    public async Task AHeaderThatDoesNotArriveInTimeClosesTheConnection()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync("PROXY TCP4 203.0.113.7 ");
        var watch = Stopwatch.StartNew();
        var closed = await connection.IsClosedByServerAsync(TimeSpan.FromSeconds(30));

        Assert.True(closed);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(3), $"closed after {watch.Elapsed}, before the header timeout");
        Assert.True(await server.Dram.WaitForOutputAsync(
            $"PROXY protocol: closed the connection from 127.0.0.1:{connection.LocalPort}: no complete PROXY protocol header within 5 s"), server.Dram.Output);
        RobustnessLog.Record("Proxies", "--proxy-protocol: a peer sends part of a PROXY header and stalls", "connection closed after 5 s, one warning");
    }

    [Fact]
    public async Task APortProbeThatSendsNothingIsNotWarnedAbout()
    {
        // Only what the shared server logged from here on: another test's connection may have had
        // the same client port before.
        var before = server.Dram.Output.Length;
        int probePort;
        using (var probe = await RawHttpConnection.OpenAsync(server.Port))
        {
            probePort = probe.LocalPort;
        }
        // A request after the probe shows the probe has been handled by the time its log line would be there.
        await FetchAsync(V1("PROXY UNKNOWN\r\n"));
        await Task.Delay(200);

        Assert.DoesNotContain($"127.0.0.1:{probePort}", server.Dram.Output[before..]);
    }

    [Fact]
    public async Task APeerThatResetsTheConnectionIsNotAnError()
    {
        var before = server.Dram.Output.Length;
        int resetPort;
        using (var reset = await RawHttpConnection.OpenAsync(server.Port))
        {
            resetPort = reset.LocalPort;
            // Give the server time to accept and wait for the header: a reset still in the
            // accept queue never reaches it.
            await Task.Delay(500);
            // Closing with a zero linger time sends RST, as HAProxy's health checks do (disposing
            // the stream would shut the socket down with a FIN first).
            reset.Socket.Close(0);
        }
        await FetchAsync(V1("PROXY UNKNOWN\r\n"));
        await Task.Delay(200);

        Assert.DoesNotContain("[ERROR]", server.Dram.Output);
        Assert.DoesNotContain($"127.0.0.1:{resetPort}", server.Dram.Output[before..]);
    }

    [Fact]
    public async Task APeerOutsideTheAllowListIsDisconnectedEvenWithAValidHeader()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port, Outsider);
        await connection.SendAsync([.. V1("PROXY TCP4 203.0.113.7 10.0.0.1 51234 443\r\n"), .. Encoding.ASCII.GetBytes(Get)]);
        var reply = await ReadAllAsync(connection);

        Assert.Empty(reply);
        var line = $"PROXY protocol: refused a connection from 127.0.0.2:{connection.LocalPort}: it is not in --proxy-allow-from (127.0.0.1,::1)";
        Assert.True(await server.Dram.WaitForOutputAsync(line), server.Dram.Output);
        Assert.Equal(1, server.Dram.CountInOutput(line));
        RobustnessLog.Record("Proxies", "--proxy-protocol: a peer outside --proxy-allow-from sends a valid PROXY header",
            "connection closed without an answer, one warning naming the peer");
    }

    [Theory]
    [InlineData("127.0.0.0/8")]
    [InlineData("127.0.0.2")]
    [InlineData("*")]
    public async Task TheAllowListTakesAddressesNetworksAndStar(string allowed)
    {
        await using var dram = await DramProcess.StartAsync("environ_probe:application", ["--proxy-protocol", "--proxy-allow-from", allowed]);

        using var connection = await RawHttpConnection.OpenAsync(dram.Port, Outsider);
        await connection.SendAsync([.. V1("PROXY TCP4 203.0.113.7 10.0.0.1 51234 443\r\n"), .. Encoding.ASCII.GetBytes(Get)]);
        var environ = EnvironReport.From(await connection.ReadResponseAsync());

        Assert.Equal("203.0.113.7", environ.Str("REMOTE_ADDR"));
    }

    [Fact]
    public async Task OverAUnixSocketTheHeaderNamesTheClient()
    {
        using var directory = new TemporaryDirectory("dram-proxy-");
        var socket = Path.Combine(directory.Path, "dram.sock");
        await using var dram = await DramProcess.StartAsync("environ_probe:application", ["--bind", $"unix:{socket}", "--proxy-protocol"]);

        using var proxied = await RawHttpConnection.OpenUnixAsync(socket);
        await proxied.SendAsync([.. V2Tcp(IPAddress.Parse("203.0.113.7"), 51234), .. Encoding.ASCII.GetBytes(Get)]);
        var environ = EnvironReport.From(await proxied.ReadResponseAsync());
        using var bare = await RawHttpConnection.OpenUnixAsync(socket);
        await bare.SendAsync(Get);
        var reply = await ReadAllAsync(bare);

        Assert.Equal("203.0.113.7", environ.Str("REMOTE_ADDR"));
        Assert.Equal("51234", environ.Str("REMOTE_PORT"));
        Assert.Empty(reply);
        Assert.True(await dram.WaitForOutputAsync("PROXY protocol: closed the connection from a unix-socket peer: the connection did not start with a PROXY protocol header"), dram.Output);
    }

    [Fact]
    public async Task ForwardedHeadersAreBelievedFromTheProxyNotFromTheClientItNames()
    {
        // The proxy (127.0.0.2) may send PROXY headers but is not a trusted source of X-Forwarded-*:
        // naming 127.0.0.1, a trusted address, as the client must not make its headers count.
        await using var dram = await DramProcess.StartAsync("environ_probe:application",
            ["--proxy-protocol", "--proxy-allow-from", "127.0.0.1,127.0.0.2", "--forwarded-allow-ips", "127.0.0.1"]);
        const string spoof = "GET / HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\n\r\n";

        using var untrusted = await RawHttpConnection.OpenAsync(dram.Port, Outsider);
        await untrusted.SendAsync([.. V1("PROXY TCP4 127.0.0.1 10.0.0.1 51234 443\r\n"), .. Encoding.ASCII.GetBytes(spoof)]);
        var fromUntrusted = EnvironReport.From(await untrusted.ReadResponseAsync());
        using var trusted = await RawHttpConnection.OpenAsync(dram.Port);
        await trusted.SendAsync([.. V1("PROXY TCP4 203.0.113.7 10.0.0.1 51234 443\r\n"), .. Encoding.ASCII.GetBytes(spoof)]);
        var fromTrusted = EnvironReport.From(await trusted.ReadResponseAsync());

        Assert.Equal("127.0.0.1", fromUntrusted.Str("REMOTE_ADDR"));
        Assert.Equal("http", fromUntrusted.Str("wsgi.url_scheme"));
        Assert.Equal("6.6.6.6", fromTrusted.Str("REMOTE_ADDR"));
        Assert.Equal("https", fromTrusted.Str("wsgi.url_scheme"));
    }

    [Theory]
    [InlineData("10.0.0.0/40", "'10.0.0.0/40' has an invalid prefix length")]
    [InlineData("haproxy", "'haproxy' is not an IP address or CIDR network")]
    public async Task ABadAllowListIsAUsageError(string allowed, string message)
    {
        var (exitCode, output) = await DramProcess.RunToExitAsync(["--proxy-protocol", "--proxy-allow-from", allowed, "--chdir", Repo.Apps, "environ_probe:application"]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"dram: error: --proxy-allow-from {allowed}: {message}", output);
    }

    [Fact]
    public async Task WithoutTheFlagAProxyLineIsABadRequest()
    {
        await using var dram = await DramProcess.StartAsync("environ_probe:application");

        var response = await RawHttpConnection.ExchangeAsync(dram.Port, "PROXY TCP4 203.0.113.7 10.0.0.1 51234 443\r\n" + Get);

        Assert.Equal(400, response.StatusCode);
    }

    /// <summary>Everything the server sends until it closes the connection.</summary>
    private static async Task<byte[]> ReadAllAsync(RawHttpConnection connection)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        return await connection.ReadToEndAsync(timeout.Token);
    }

    private static string LineOf(string output, string start)
    {
        var at = output.IndexOf(start, StringComparison.Ordinal);
        var end = output.IndexOf('\n', at);
        return end < 0 ? output[at..] : output[at..end];
    }
}
