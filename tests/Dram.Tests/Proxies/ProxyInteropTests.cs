using System.Net;
using Dram.Tests.Django;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Proxies;

/// <summary>
/// --proxy-protocol behind the real senders: HAProxy's send-proxy (v1) and send-proxy-v2 over TCP
/// and to a unix socket, and nginx's stream module with proxy_protocol on to a unix socket. The
/// client connects from 127.0.0.2, so REMOTE_ADDR can only be right if the header was read.
/// </summary>
public sealed class ProxyInteropTests
{
    private static readonly IPAddress Client = IPAddress.Parse("127.0.0.2");

    [SkippableTheory]
    [InlineData("send-proxy")]
    [InlineData("send-proxy-v2")]
    public async Task HAProxyOverTcp(string sendProxy)
    {
        Skip.If(!HostTool.HAProxy.IsAvailable, HostTool.HAProxy.MissingReason);
        await using var dram = await DramProcess.StartAsync("environ_probe:application", ["--proxy-protocol"]);
        using var directory = new TemporaryDirectory("dram-haproxy-");

        var frontend = FreePort.Next();
        await using var haproxy = await StartHAProxyAsync(directory.Path, frontend, $"127.0.0.1:{dram.Port} {sendProxy}");

        await AssertClientSeenAsync(frontend, haproxy.Output + dram.Output);
    }

    [SkippableFact]
    public async Task HAProxyHealthChecksAreNeitherWarningsNorErrors()
    {
        Skip.If(!HostTool.HAProxy.IsAvailable, HostTool.HAProxy.MissingReason);
        await using var dram = await DramProcess.StartAsync("environ_probe:application", ["--proxy-protocol"]);
        using var directory = new TemporaryDirectory("dram-haproxy-");

        var frontend = FreePort.Next();
        await using var haproxy = await StartHAProxyAsync(directory.Path, frontend, $"127.0.0.1:{dram.Port} send-proxy-v2 check inter 200");
        await Task.Delay(TimeSpan.FromSeconds(2));
        await AssertClientSeenAsync(frontend, haproxy.Output + dram.Output);

        Assert.DoesNotContain("[ERROR]", dram.Output);
        Assert.DoesNotContain("[WARNING]", dram.Output);
    }

    [SkippableFact]
    public async Task HAProxyToAUnixSocket()
    {
        Skip.If(!HostTool.HAProxy.IsAvailable, HostTool.HAProxy.MissingReason);
        using var directory = new TemporaryDirectory("dram-haproxy-");
        var socket = Path.Combine(directory.Path, "dram.sock");
        await using var dram = await DramProcess.StartAsync("environ_probe:application", ["--bind", $"unix:{socket}", "--proxy-protocol"]);

        var frontend = FreePort.Next();
        await using var haproxy = await StartHAProxyAsync(directory.Path, frontend, $"{socket} send-proxy-v2");

        await AssertClientSeenAsync(frontend, haproxy.Output + dram.Output);
    }

    [SkippableFact]
    public async Task NginxStreamToAUnixSocket()
    {
        var missing = HostTool.MissingAny(HostTool.Nginx, HostTool.NginxStream);
        Skip.If(missing is not null, missing);
        using var directory = new TemporaryDirectory("dram-nginx-stream-");
        var socket = Path.Combine(directory.Path, "dram.sock");
        await using var dram = await DramProcess.StartAsync("environ_probe:application", ["--bind", $"unix:{socket}", "--proxy-protocol"]);

        var frontend = FreePort.Next();
        var config = Path.Combine(directory.Path, "nginx.conf");
        await File.WriteAllTextAsync(config, $$"""
            load_module {{HostTool.NginxStream.Path}};
            daemon off;
            {{(CurrentUser.IsRoot ? "user root;" : "")}}
            worker_processes 1;
            pid {{directory.Path}}/nginx.pid;
            error_log {{directory.Path}}/error.log info;
            events { worker_connections 64; }
            stream {
                server {
                    listen 127.0.0.1:{{frontend}};
                    proxy_pass unix:{{socket}};
                    proxy_protocol on;
                }
            }
            """);
        await using var nginx = await ForegroundServer.StartAsync(HostTool.Nginx.Path,
            ["-p", directory.Path, "-e", Path.Combine(directory.Path, "error.log"), "-c", config], frontend);

        await AssertClientSeenAsync(frontend, nginx.Output + dram.Output);
    }

    private static async Task<ForegroundServer> StartHAProxyAsync(string directory, int frontend, string server)
    {
        var config = Path.Combine(directory, "haproxy.cfg");
        await File.WriteAllTextAsync(config, $"""
            global
                maxconn 64
            defaults
                mode tcp
                timeout connect 5s
                timeout client 30s
                timeout server 30s
            listen dram
                bind 127.0.0.1:{frontend}
                server dram {server}

            """);
        // -db: stay in the foreground.
        return await ForegroundServer.StartAsync(HostTool.HAProxy.Path, ["-db", "-f", config], frontend);
    }

    private static async Task AssertClientSeenAsync(int frontend, string logs)
    {
        using var connection = await RawHttpConnection.OpenAsync(frontend, Client);
        await connection.SendAsync("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        var response = await connection.ReadResponseAsync();
        Assert.True(response.StatusCode == 200, $"{response.StatusLine}\n{response.BodyText}\n{logs}");
        var environ = EnvironReport.From(response);

        Assert.Equal("127.0.0.2", environ.Str("REMOTE_ADDR"));
        Assert.Equal(connection.LocalPort.ToString(), environ.Str("REMOTE_PORT"));
    }
}
