using System.Text;
using Dram.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dram.Hosting;

/// <summary>Kestrel configured for serving WSGI: HTTP/1.1, latin-1 headers both ways, streaming bodies.</summary>
public sealed class KestrelHost : IAsyncDisposable
{
    private readonly KestrelServer _server;

    /// <summary>
    /// Listens on sockets already bound and listening (by the master, see ListeningSockets), passed
    /// in as descriptors: Kestrel never binds an address itself.
    /// </summary>
    public KestrelHost(ServerConfig config, IReadOnlyList<int> descriptors, ILoggerFactory loggerFactory)
    {
        var options = new KestrelServerOptions
        {
            AddServerHeader = false,
            AllowSynchronousIO = false,
            // PEP 3333 strings are latin-1: every byte maps to one code point and back.
            RequestHeaderEncodingSelector = static _ => Encoding.Latin1,
            ResponseHeaderEncodingSelector = static _ => Encoding.Latin1,
            ApplicationServices = new ServiceCollection().AddSingleton(loggerFactory).AddLogging().BuildServiceProvider(),
        };
        config.Limits.ApplyTo(options.Limits);
        options.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(Math.Max(1, config.KeepAlive));

        var proxyLog = loggerFactory.CreateLogger("dram.proxy");
        foreach (var fd in descriptors)
        {
            options.ListenHandle((ulong)fd, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                if (config.ProxyProtocol)
                {
                    listen.Use(next => new ProxyProtocolMiddleware(next, config.ProxyAllowFrom, config.ProxyAllowFromText, proxyLog).OnConnectionAsync);
                }
            });
        }

        var transport = new SocketTransportOptions
        {
            // Kestrel's own work after a socket read (parsing, queueing to a Python thread) is short
            // and never blocks, so it runs where the read completed instead of hopping threads.
            UnsafePreferInlineScheduling = true,
            // The transport's read buffer is where a request line or header line waits to be parsed.
            MaxReadBufferSize = config.Limits.ReadBufferSize,
        };
        _server = new KestrelServer(Options.Create(options), new SocketTransportFactory(Options.Create(transport), loggerFactory), loggerFactory);
    }

    public Task StartAsync<TContext>(IHttpApplication<TContext> application) where TContext : notnull =>
        _server.StartAsync(application, CancellationToken.None);

    /// <summary>Stops accepting, then waits up to <paramref name="grace"/> for in-flight requests.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        using var timeout = new CancellationTokenSource(grace);
        await _server.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        _server.Dispose();
        await Task.CompletedTask;
    }
}
