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
    private readonly DrainableTransport _transport;

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
        // Uploads stream through wsgi.input and are never buffered whole, so no total limit applies by default.
        options.Limits.MaxRequestBodySize = null;
        options.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(Math.Max(1, config.KeepAlive));

        foreach (var fd in descriptors)
        {
            options.ListenHandle((ulong)fd, static listen => listen.Protocols = HttpProtocols.Http1);
        }

        var transport = new SocketTransportOptions
        {
            // Kestrel's own work after a socket read (parsing, queueing to a Python thread) is short
            // and never blocks, so it runs where the read completed instead of hopping threads.
            UnsafePreferInlineScheduling = true,
        };
        _transport = new DrainableTransport(new SocketTransportFactory(Options.Create(transport), loggerFactory));
        _server = new KestrelServer(Options.Create(options), _transport, loggerFactory);
    }

    public Task StartAsync<TContext>(IHttpApplication<TContext> application) where TContext : notnull =>
        _server.StartAsync(application, CancellationToken.None);

    /// <summary>
    /// The first step of a graceful stop: stops accepting and waits up to <paramref name="limit"/>
    /// for the open connections to end (the application answers with <c>Connection: close</c>
    /// meanwhile, so a busy keep-alive connection ends after its next answer).
    /// </summary>
    public async Task DrainAsync(TimeSpan limit)
    {
        await _transport.StopAcceptingAsync();
        var deadline = DateTime.UtcNow + limit;
        while (_transport.OpenConnections > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }

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
