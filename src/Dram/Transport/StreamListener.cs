using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dram.Logging;
using Dram.Processes;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Dram.Transport;

/// <summary>
/// Accepts on one listening socket the master passed down; each accepted connection is served by
/// the event loop from then on.
/// </summary>
internal sealed class StreamListener(Socket socket, EndPoint endpoint, EventLoop loop, MemoryPool<byte> pool, long maxReadBufferSize, ILogger log)
    : IConnectionListener
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(10);

    /// <summary>A worker hovering at its limit fails and recovers with every connection that closes: one warning a minute is enough.</summary>
    private static readonly TimeSpan WarningInterval = TimeSpan.FromMinutes(1);

    private readonly bool _tcp = socket.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6;

    /// <summary>When accepting started failing for want of a resource (Stopwatch ticks); 0 while it works.</summary>
    private long _failingSince;

    /// <summary>When the last logged spell began (Stopwatch ticks; 0: never): the current one was logged when it equals <see cref="_failingSince"/>.</summary>
    private long _lastWarning;

    public EndPoint EndPoint => endpoint;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await socket.AcceptAsync(cancellationToken);
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted)
            {
                return null;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
            {
                // Out of descriptors or kernel memory: the connection waits in the backlog until
                // the resource frees; trying again at once would only spin.
                OnResourceExhausted(e);
                await Task.Delay(RetryDelay, CancellationToken.None);
                continue;
            }
            catch (SocketException)
            {
                // Reset while it waited in the backlog: take the next one.
                continue;
            }
            if (_failingSince != 0)
            {
                if (_lastWarning == _failingSince)
                {
                    ServerLog.AcceptingAgain(log, Address, (long)Stopwatch.GetElapsedTime(_failingSince).TotalMilliseconds);
                }
                _failingSince = 0;
            }
            try
            {
                if (_tcp)
                {
                    accepted.NoDelay = true;
                }
                return StreamConnection.Start(accepted, loop, pool, maxReadBufferSize);
            }
            catch (SocketException)
            {
                // Gone before it could be set up (the endpoints could not be read).
                accepted.Dispose();
            }
        }
    }

    /// <summary>Logs the first failure of a spell, saying which limit was reached and how to raise it.</summary>
    private void OnResourceExhausted(SocketException e)
    {
        if (_failingSince != 0)
        {
            return;
        }
        _failingSince = Stopwatch.GetTimestamp();
        if (_lastWarning != 0 && Stopwatch.GetElapsedTime(_lastWarning) < WarningInterval)
        {
            return;
        }
        _lastWarning = _failingSince;
        if (e.SocketErrorCode != SocketError.TooManyOpenSockets)
        {
            ServerLog.AcceptFailing(log, Address, e.Message, "");
            return;
        }
        // .NET reports EMFILE and ENFILE alike; the process is at its own limit when it cannot even
        // open a directory to count its descriptors, or counts as many as the limit.
        var limit = DescriptorLimit.Current();
        var open = DescriptorLimit.OpenCount();
        if (open is null || limit is null || (ulong)open.Value + 1 >= limit.Value)
        {
            ServerLog.OutOfDescriptors(log, limit is { } soft ? soft.ToString(CultureInfo.InvariantCulture) : "unknown", Address);
            return;
        }
        ServerLog.AcceptFailing(log, Address, $"the system is out of file descriptors (this worker has {open} open, its limit is {limit})",
            ": raise fs.file-max (sysctl) or find the process holding them");
    }

    /// <summary>What the listening socket is bound to, for the log.</summary>
    private string Address => socket.LocalEndPoint switch
    {
        UnixDomainSocketEndPoint unix => $"unix:{unix}",
        { } bound => bound.ToString() ?? endpoint.ToString() ?? "?",
        null => endpoint.ToString() ?? "?",
    };

    /// <summary>Closes this process's copy of the listening descriptor: the accept loop ends, connections stay.</summary>
    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        socket.Dispose();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
