using System.Globalization;
using System.Net;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Request;

/// <summary>SERVER_NAME and SERVER_PORT from the Host header or the socket, and REMOTE_ADDR/REMOTE_PORT from the peer.</summary>
public sealed class ServerAddressTests(EnvironProbeServer server) : IClassFixture<EnvironProbeServer>
{
    [Theory]
    [InlineData("example.com:8080", "example.com", "8080")]
    [InlineData("example.com", "example.com", "80")]
    [InlineData("127.0.0.1:9", "127.0.0.1", "9")]
    [InlineData("[::1]:8443", "[::1]", "8443")]
    [InlineData("[::1]", "[::1]", "80")]
    public async Task ServerNameAndPortComeFromTheHostHeader(string host, string name, string port)
    {
        var environ = await EnvironReport.FetchAsync(server.Port, $"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n");
        Assert.Equal(name, environ.Str("SERVER_NAME"));
        Assert.Equal(port, environ.Str("SERVER_PORT"));
        Assert.Equal(host, environ.Str("HTTP_HOST"));
    }

    [Fact]
    public async Task Http10WithoutHostGetsTheListeningAddressAndPort()
    {
        var environ = await EnvironReport.FetchAsync(server.Port, "GET / HTTP/1.0\r\n\r\n");
        Assert.Equal("127.0.0.1", environ.Str("SERVER_NAME"));
        Assert.Equal(server.Port.ToString(CultureInfo.InvariantCulture), environ.Str("SERVER_PORT"));
        Assert.False(environ.Has("HTTP_HOST"), environ.Json);
    }

    [Fact]
    public async Task Http10WithHostUsesTheHostHeader()
    {
        var environ = await EnvironReport.FetchAsync(server.Port, "GET / HTTP/1.0\r\nHost: old.example:81\r\n\r\n");
        Assert.Equal("old.example", environ.Str("SERVER_NAME"));
        Assert.Equal("81", environ.Str("SERVER_PORT"));
    }

    [Fact]
    public async Task AbsoluteFormTargetSetsServerNameFromItsAuthority()
    {
        var environ = await EnvironReport.FetchAsync(server.Port, "GET http://example.org:8000/x HTTP/1.1\r\nHost: example.org:8000\r\n\r\n");
        Assert.Equal("example.org", environ.Str("SERVER_NAME"));
        Assert.Equal("8000", environ.Str("SERVER_PORT"));
    }

    [Fact]
    public async Task RemoteAddrAndPortAreTheClientsSocketAddress()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        var local = (IPEndPoint)connection.Socket.LocalEndPoint!;
        await connection.SendAsync("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        var environ = EnvironReport.From(await connection.ReadResponseAsync());
        Assert.Equal("127.0.0.1", environ.Str("REMOTE_ADDR"));
        Assert.Equal(local.Port.ToString(CultureInfo.InvariantCulture), environ.Str("REMOTE_PORT"));
    }

    [Fact]
    public async Task Http11WithoutHostIsRejected()
    {
        var response = await RawHttpConnection.ExchangeAsync(server.Port, "GET / HTTP/1.1\r\n\r\n");
        Assert.Equal(400, response.StatusCode);
    }

    [Fact]
    public async Task EmptyHostHeaderFallsBackToTheListeningAddressAndPort()
    {
        var environ = await EnvironReport.FetchAsync(server.Port, "GET / HTTP/1.1\r\nHost:\r\n\r\n");
        Assert.Equal("127.0.0.1", environ.Str("SERVER_NAME"));
        Assert.Equal(server.Port.ToString(CultureInfo.InvariantCulture), environ.Str("SERVER_PORT"));
    }

    [Theory]
    [InlineData("example.com:")]
    [InlineData("example.com:abc")]
    [InlineData("[::1]:")]
    [InlineData("user@example.com")]
    public async Task HostThatCannotGiveAServerNameAndPortIsRejected(string host)
    {
        // Rejected before the app runs, so SERVER_PORT is never empty or made of letters.
        var response = await RawHttpConnection.ExchangeAsync(server.Port, $"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n");
        Assert.Equal(400, response.StatusCode);
    }
}
