using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Dram.Hosting;

/// <summary>
/// Kestrel's socket transport with what a graceful stop needs and Kestrel's own StopAsync lacks: a
/// way to stop accepting while the open connections carry on, and how many are still open.
/// Kestrel's stop closes idle keep-alive connections at once, so a request a busy client is sending
/// on one that instant is lost (the client sees the connection close without an answer); draining
/// first lets those connections end after an answer instead.
/// </summary>
internal sealed class DrainableTransport(IConnectionListenerFactory sockets) : IConnectionListenerFactory
{
    private readonly List<IConnectionListener> _listeners = [];
    private int _open;

    /// <summary>Connections accepted and not yet closed.</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var listener = await sockets.BindAsync(endpoint, cancellationToken);
        lock (_listeners)
        {
            _listeners.Add(listener);
        }
        return new CountingListener(listener, this);
    }

    /// <summary>
    /// Closes this worker's listening descriptors: Kestrel's accept loops end, open connections stay.
    /// The sockets themselves stay open in the master and the other workers, which accept from now on.
    /// </summary>
    public async Task StopAcceptingAsync()
    {
        IConnectionListener[] listeners;
        lock (_listeners)
        {
            listeners = [.. _listeners];
        }
        foreach (var listener in listeners)
        {
            await listener.UnbindAsync();
        }
    }

    private sealed class CountingListener(IConnectionListener inner, DrainableTransport transport) : IConnectionListener
    {
        public EndPoint EndPoint => inner.EndPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            var connection = await inner.AcceptAsync(cancellationToken);
            if (connection is not null)
            {
                Interlocked.Increment(ref transport._open);
                connection.ConnectionClosed.Register(static state => Interlocked.Decrement(ref ((DrainableTransport)state!)._open), transport);
            }
            return connection;
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => inner.UnbindAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
