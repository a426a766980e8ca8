using System.Text;
using Dram.Configuration;
using Dram.Logging;
using Dram.Transport;
using Dram.Wsgi;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Dram.Hosting;

/// <summary>
/// Kestrel configured for serving WSGI: HTTP/1.1 (with HTTP/2 by ALPN on TLS binds, and h2c beside
/// HTTP/1.1 on cleartext binds under --http2-cleartext), latin-1 headers both ways, streaming bodies.
/// </summary>
public sealed class KestrelHost : IAsyncDisposable
{
    private readonly KestrelServer _server;
    private readonly DrainableTransport _transport;

    /// <summary>
    /// Listens on sockets already bound and listening (by the master, see ListeningSockets), passed
    /// in as descriptors: Kestrel never binds an address itself.
    /// </summary>
    public KestrelHost(ServerConfig config, IReadOnlyList<int> descriptors, ILoggerFactory loggerFactory, TlsCredentials? tls = null)
        : this(config, descriptors, loggerFactory, tls, turn: null)
    {
    }

    /// <summary>A worker's host; with a <paramref name="turn"/>, it takes new connections in turn with the other workers.</summary>
    internal KestrelHost(ServerConfig config, IReadOnlyList<int> descriptors, ILoggerFactory loggerFactory, TlsCredentials? tls, AcceptTurn? turn)
    {
        // A bare LF ending a request or header line is answered 400. RFC 9112 lets a server accept
        // it, but a proxy in front that does not would see different header lines than Dram does:
        // the disagreement request smuggling is built on. Read when the server below is created.
        AppContext.SetSwitch("Microsoft.AspNetCore.Server.Kestrel.DisableHttp1LineFeedTerminators", true);
        var services = new ServiceCollection().AddSingleton(loggerFactory).AddLogging();
        if (tls is not null)
        {
            KestrelHttpsServices.AddTo(services);
        }
        var applicationServices = services.BuildServiceProvider();
        var options = new KestrelServerOptions
        {
            AddServerHeader = false,
            AllowSynchronousIO = false,
            // PEP 3333 strings are latin-1: every byte maps to one code point and back. Content-Length
            // alone is held to its grammar (digits only), which Kestrel's own parse is not.
            RequestHeaderEncodingSelector = static name => name == HeaderNames.ContentLength ? StrictContentLengthEncoding.Instance : Encoding.Latin1,
            ResponseHeaderEncodingSelector = static _ => Encoding.Latin1,
            ApplicationServices = applicationServices,
        };
        config.Limits.ApplyTo(options.Limits);
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

        var https = tls is null ? null : HttpsOptions.Create(config.Tls!, tls);
        var routesCleartextHttp2 = false;
        var proxyLog = loggerFactory.CreateLogger("dram.proxy");
        // The PROXY header comes first on the wire, before any TLS handshake, so its middleware is the outermost.
        void AcceptProxyHeader(ListenOptions listen)
        {
            if (config.ProxyProtocol)
            {
                listen.Use(next => new ProxyProtocolMiddleware(next, config.ProxyAllowFrom, config.ProxyAllowFromText, proxyLog).OnConnectionAsync);
            }
        }
        foreach (var fd in descriptors)
        {
            if (https is not null && ListeningDescriptor.IsTcp(fd))
            {
                ServesTls = true;
                options.ListenHandle((ulong)fd, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    AcceptProxyHeader(listen);
                    listen.UseHttps(https);
                });
            }
            else if (config.Http2Cleartext)
            {
                routesCleartextHttp2 = true;
                options.Listen(new CleartextHttp2EndPoint(fd, http2: false), static listen => listen.Protocols = HttpProtocols.Http1);
                options.Listen(new CleartextHttp2EndPoint(fd, http2: true), static listen => listen.Protocols = HttpProtocols.Http2);
            }
            else
            {
                options.ListenHandle((ulong)fd, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1;
                    AcceptProxyHeader(listen);
                    listen.Use(static next => new FileSenderMiddleware(next).OnConnectionAsync);
                });
            }
        }

        // The transport's read buffer is where a request line or header line waits to be parsed.
        var streams = new StreamTransport(config.Limits.ReadBufferSize, loggerFactory.CreateLogger("dram.transport"));
        ReadySocketEvents = streams;
        IConnectionListenerFactory sockets = streams;
        if (routesCleartextHttp2)
        {
            sockets = new CleartextHttp2Transport(sockets, options.Limits.KeepAliveTimeout);
        }
        _transport = new DrainableTransport(sockets, turn);
        _server = new KestrelServer(Options.Create(options), _transport, loggerFactory);
    }

    /// <summary>The transport's ready events, for the Python threads to run before they sleep.</summary>
    public IReadySocketEvents ReadySocketEvents { get; }

    /// <summary>At least one listening socket serves TLS (a certificate is configured and a bind is TCP).</summary>
    public bool ServesTls { get; }

    public async Task StartAsync<TContext>(IHttpApplication<TContext> application) where TContext : notnull
    {
        await _server.StartAsync(application, CancellationToken.None);
    }

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
