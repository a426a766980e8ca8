using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Dram.Transport;

/// <summary>
/// Accepts on one listening socket the master passed down; each accepted connection is served by
/// the event loop from then on.
/// </summary>
internal sealed class StreamListener(Socket socket, EndPoint endpoint, EventLoop loop, MemoryPool<byte> pool, long maxReadBufferSize) : IConnectionListener
{
    private readonly bool _tcp = socket.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6;

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
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TooManyOpenSockets)
            {
                // Out of descriptors (EMFILE/ENFILE): the connection waits in the backlog until
                // one closes; trying again at once would only spin.
                await Task.Delay(10, CancellationToken.None);
                continue;
            }
            catch (SocketException)
            {
                // Reset while it waited in the backlog: take the next one.
                continue;
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
