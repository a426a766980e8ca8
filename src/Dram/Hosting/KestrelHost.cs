using System.Text;
using Dram.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

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
        // A bare LF ending a request or header line is answered 400. RFC 9112 lets a server accept
        // it, but a proxy in front that does not would see different header lines than Dram does:
        // the disagreement request smuggling is built on. Read when the server below is created.
        AppContext.SetSwitch("Microsoft.AspNetCore.Server.Kestrel.DisableHttp1LineFeedTerminators", true);
        var options = new KestrelServerOptions
        {
            AddServerHeader = false,
            AllowSynchronousIO = false,
            // PEP 3333 strings are latin-1: every byte maps to one code point and back. Content-Length
            // alone is held to its grammar (digits only), which Kestrel's own parse is not.
            RequestHeaderEncodingSelector = static name => name == HeaderNames.ContentLength ? StrictContentLengthEncoding.Instance : Encoding.Latin1,
            ResponseHeaderEncodingSelector = static _ => Encoding.Latin1,
            ApplicationServices = new ServiceCollection().AddSingleton(loggerFactory).AddLogging().BuildServiceProvider(),
        };
        // Uploads stream through wsgi.input and are never buffered whole, so no total limit applies by default.
        options.Limits.MaxRequestBodySize = null;
        options.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(Math.Max(1, config.KeepAlive));
        // Limits against clients that send or read slowly, stated here rather than left to Kestrel's
        // defaults (which they equal) so they are Dram's documented behaviour (docs/limits.md): the
        // request head must arrive within 30 s (nginx allows 60 s, Apache 20-40 s), and a body or a
        // response moving slower than 240 bytes/s on average after a 5 s grace ends the connection
        // (408 for a body). Python threads waiting on a client that has stalled outright are freed
        // sooner by the WSGI layer (WsgiOptions.ClientStallLimit).
        options.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(30);
        options.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));
        options.Limits.MinResponseDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));

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
