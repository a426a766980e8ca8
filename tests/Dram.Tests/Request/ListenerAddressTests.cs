using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Request;

/// <summary>
/// REMOTE_ADDR, REMOTE_PORT, SERVER_NAME and SERVER_PORT on IPv6, dual-stack and unix-socket
/// listeners, where the socket addresses are not plain IPv4.
/// </summary>
public sealed class ListenerAddressTests
{
    private const string Http10WithoutHost = "GET / HTTP/1.0\r\n\r\n";

    [Fact]
    public async Task Ipv6ClientHasItsAddressWithoutBrackets()
    {
        var port = FreePort.Next();
        await using var dram = await DramProcess.StartAsync("environ_probe:application", ["--bind", $"[::1]:{port}"]);
        var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.IPv6Loopback, port);
        var clientPort = ((IPEndPoint)socket.LocalEndPoint!).Port;
        var environ = EnvironReport.From(await OneShotExchange.SendAsync(socket, Http10WithoutHost));
        Assert.Equal("::1", environ.Str("REMOTE_ADDR"));
        Assert.Equal(clientPort.ToString(CultureInfo.InvariantCulture), environ.Str("REMOTE_PORT"));
        Assert.Equal(port.ToString(CultureInfo.InvariantCulture), environ.Str("SERVER_PORT"));
    }

    [Fact]
    public async Task Ipv4ClientOfADualStackListenerHasAPlainIpv4Address()
    {
        // On a [::] listener an IPv4 peer is ::ffff:127.0.0.1 at the socket; apps expect 127.0.0.1.
        var port = FreePort.Next();
        await using var dram = await DramProcess.StartAsync("environ_probe:application", ["--bind", $"[::]:{port}"]);
        var environ = await EnvironReport.FetchAsync(port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.Equal("127.0.0.1", environ.Str("REMOTE_ADDR"));
    }

    [Fact]
    public async Task Ipv4ClientOfADualStackListenerWithoutHostGetsAPlainIpv4ServerName()
    {
        var port = FreePort.Next();
        await using var dram = await DramProcess.StartAsync("environ_probe:application", ["--bind", $"[::]:{port}"]);
        var environ = await EnvironReport.FetchAsync(port, Http10WithoutHost);
        Assert.Equal("127.0.0.1", environ.Str("SERVER_NAME"));
        Assert.Equal(port.ToString(CultureInfo.InvariantCulture), environ.Str("SERVER_PORT"));
    }

    [Fact]
    public async Task UnixSocketClientHasAnEmptyRemoteAddrAndServerPortIsNeverEmpty()
    {
        var path = Path.Combine(Path.GetTempPath(), $"dram-req-{Guid.NewGuid():N}.sock");
        await using var dram = await DramProcess.StartAsync("environ_probe:application", ["--bind", $"unix:{path}"]);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        var environ = EnvironReport.From(await OneShotExchange.SendAsync(socket, Http10WithoutHost));
        Assert.Equal("", environ.Str("REMOTE_ADDR"));
        Assert.Equal("localhost", environ.Str("SERVER_NAME"));
        Assert.Equal("80", environ.Str("SERVER_PORT"));
        Assert.DoesNotContain(environ.Keys, key => environ.TypeOf(key) == "NoneType");
    }

    [Fact]
    public async Task UnixSocketRequestWithHostTakesServerNameAndPortFromIt()
    {
        var path = Path.Combine(Path.GetTempPath(), $"dram-req-{Guid.NewGuid():N}.sock");
        await using var dram = await DramProcess.StartAsync("environ_probe:application", ["--bind", $"unix:{path}"]);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        var environ = EnvironReport.From(await OneShotExchange.SendAsync(socket,
            "GET /x HTTP/1.1\r\nHost: site.example:8000\r\nConnection: close\r\n\r\n"));
        Assert.Equal("site.example", environ.Str("SERVER_NAME"));
        Assert.Equal("8000", environ.Str("SERVER_PORT"));
        Assert.Equal("/x", environ.Str("PATH_INFO"));
    }
}
