using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Dram.Configuration;
using Microsoft.AspNetCore.Connections;
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
    private readonly Dictionary<BindAddress, ListenOptions> _tcpListeners = new(ReferenceEqualityComparer.Instance);

    public KestrelHost(ServerConfig config, ILoggerFactory loggerFactory)
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

        foreach (var bind in config.Binds)
        {
            Listen(options, bind);
        }

        var transport = new SocketTransportOptions
        {
            // Kestrel's own work after a socket read (parsing, queueing to a Python thread) is short
            // and never blocks, so it runs where the read completed instead of hopping threads.
            UnsafePreferInlineScheduling = true,
        };
        _server = new KestrelServer(Options.Create(options), new SocketTransportFactory(Options.Create(transport), loggerFactory), loggerFactory);
    }

    private void Listen(KestrelServerOptions options, BindAddress bind)
    {
        static void Http1(ListenOptions listen) => listen.Protocols = HttpProtocols.Http1;

        if (bind.UnixPath is { } path)
        {
            RemoveStaleSocket(path);
            options.ListenUnixSocket(path, Http1);
        }
        else if (bind.FileDescriptor is { } fd)
        {
            options.ListenHandle((ulong)fd, Http1);
        }
        else if (bind.IsLocalhost)
        {
            options.ListenLocalhost(bind.Port, Http1);
        }
        else
        {
            options.Listen(new IPEndPoint(bind.Address!, bind.Port), listen =>
            {
                Http1(listen);
                _tcpListeners[bind] = listen;
            });
        }
    }

    /// <summary>A socket file left by a server that died would make the bind fail; a live one is kept and reported.</summary>
    private static void RemoveStaleSocket(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }
        // .NET reports a socket file and a regular file alike (FileAttributes.Normal), so only
        // content or a successful open() tells a regular file; open() of a socket fails (ENXIO).
        if (new FileInfo(path).Length > 0)
        {
            throw RegularFileInTheWay(path);
        }
        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new BindException($"Cannot listen on unix:{path}: another server is accepting connections there. Stop it or choose another path.");
            }
            catch (SocketException)
            {
            }
        }
        try
        {
            using var opened = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (IOException)
        {
            File.Delete(path);
            return;
        }
        throw RegularFileInTheWay(path);
    }

    private static BindException RegularFileInTheWay(string path) =>
        new($"Cannot listen on unix:{path}: a regular file is in the way. Remove it or choose another path.");

    public async Task StartAsync<TContext>(IHttpApplication<TContext> application, IReadOnlyList<BindAddress> binds) where TContext : notnull
    {
        try
        {
            await _server.StartAsync(application, CancellationToken.None);
        }
        catch (Exception e) when (SocketErrorOf(e) is not null)
        {
            throw new BindException(Describe(e, binds));
        }
    }

    /// <summary>
    /// The socket error behind a failed start. Kestrel wraps it at varying depths (an IOException
    /// naming the address, around an AddressInUseException, around the SocketException).
    /// </summary>
    private static SocketException? SocketErrorOf(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is SocketException socket)
            {
                return socket;
            }
        }
        return null;
    }

    private static string Describe(Exception e, IReadOnlyList<BindAddress> binds)
    {
        var inner = SocketErrorOf(e);
        // Name the address that failed when Kestrel's message says which; else every address.
        // Whole addresses only: http://127.0.0.1:800 must not match a message about port 8000.
        var failing = binds.Where(b => Regex.IsMatch(e.Message,
            Regex.Escape(b.UnixPath ?? b.Display) + @"(?![\w.])", RegexOptions.CultureInvariant)).ToList();
        var where = string.Join(", ", (failing.Count > 0 ? failing : binds).Select(b => b.Display));
        // A unix socket bind fails with a bare SocketException that names no path.
        var orphan = binds.FirstOrDefault(b => b.UnixPath is { } socketPath && !Directory.Exists(Path.GetDirectoryName(socketPath)));
        if (inner?.SocketErrorCode == SocketError.AddressNotAvailable && orphan is not null)
        {
            return $"Cannot listen on {orphan.Display}: the directory {Path.GetDirectoryName(orphan.UnixPath)} does not exist (create it first).";
        }
        var reason = inner?.SocketErrorCode switch
        {
            SocketError.AddressAlreadyInUse => "the address is already in use (another server is listening; find it with: ss -ltnp)",
            SocketError.AccessDenied => "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE; or use a port >= 1024)",
            SocketError.AddressNotAvailable => "the address does not belong to this machine (use 0.0.0.0 for all interfaces or 127.0.0.1)",
            _ => e.Message,
        };
        return $"Cannot listen on {where}: {reason}.";
    }

    /// <summary>The address as bound once started: port 0 (any free port) is replaced by the port the system chose.</summary>
    public BindAddress Bound(BindAddress bind) =>
        bind.Port == 0 && _tcpListeners.TryGetValue(bind, out var listen) && listen.IPEndPoint is { Port: > 0 } actual
            ? bind.WithPort(actual.Port)
            : bind;

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
