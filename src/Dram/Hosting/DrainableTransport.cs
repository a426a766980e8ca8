using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Dram.Hosting;

/// <summary>
/// Dram's transport (StreamTransport) with what a graceful stop needs and Kestrel's own StopAsync lacks: a
/// way to stop accepting while the open connections carry on, and how many are still open.
/// Kestrel's stop closes idle keep-alive connections at once, so a request a busy client is sending
/// on one that instant is lost (the client sees the connection close without an answer); draining
/// first lets those connections end after an answer instead. With a <paramref name="turn"/>, it
/// takes connections in turn with the other workers.
/// </summary>
internal sealed class DrainableTransport(IConnectionListenerFactory sockets, AcceptTurn? turn) : IConnectionListenerFactory
{
    private readonly List<IConnectionListener> _listeners = [];
    private int _open;

    private AcceptTurn? Turn => turn;

    /// <summary>Connections accepted and not yet closed.</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var listener = await sockets.BindAsync(endpoint, cancellationToken);
        lock (_listeners)
        {
            _listeners.Add(listener);
        }
        turn?.StartAccepting();
        var descriptor = endpoint switch
        {
            FileHandleEndPoint handle => (int)handle.FileHandle,
            CleartextHttp2EndPoint shared => shared.Descriptor,
            _ => -1,
        };
        return new CountingListener(listener, this, descriptor);
    }

    /// <summary>
    /// Closes this worker's listening descriptors: Kestrel's accept loops end, open connections stay.
    /// The sockets themselves stay open in the master and the other workers, which accept from now on.
    /// </summary>
    public async Task StopAcceptingAsync()
    {
        turn?.StopAccepting();
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

    private void Opened()
    {
        Interlocked.Increment(ref _open);
        turn?.Opened();
    }

    private void Closed()
    {
        Interlocked.Decrement(ref _open);
        turn?.Closed();
    }

    private sealed class CountingListener(IConnectionListener inner, DrainableTransport transport, int descriptor) : IConnectionListener
    {
        private volatile bool _unbound;

        public EndPoint EndPoint => inner.EndPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            if (transport.Turn is { } turn && !turn.IsMine())
            {
                await turn.WaitAsync(() => _unbound || cancellationToken.IsCancellationRequested, descriptor);
            }
            var connection = await inner.AcceptAsync(cancellationToken);
            if (connection is not null)
            {
                transport.Opened();
                connection.ConnectionClosed.Register(static state => ((DrainableTransport)state!).Closed(), transport);
            }
            return connection;
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            _unbound = true;
            transport.Turn?.StopAccepting();
            return inner.UnbindAsync(cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
