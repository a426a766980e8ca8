using System.Net;
using System.Net.Sockets;
using Dram.Wsgi;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Dram.Transport;

/// <summary>
/// Dram's transport for Kestrel: serves the listening descriptors the master passed (TCP or unix)
/// with one epoll event loop per worker (<see cref="StreamConnection"/> says what it saves over
/// Kestrel's socket transport) and Dram's 64 KiB buffers (<see cref="BlockMemoryPool"/>).
/// </summary>
internal sealed class StreamTransport(long maxReadBufferSize, ILogger log) : IConnectionListenerFactory, IReadySocketEvents
{
    private readonly Lazy<EventLoop> _loop = new(static () => new EventLoop());
    private readonly BlockMemoryPool _pool = new();

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not FileHandleEndPoint handle)
        {
            throw new NotSupportedException($"Dram's transport listens only on descriptors the master bound, not on {endpoint}");
        }
        var socket = new Socket(new SafeSocketHandle((IntPtr)handle.FileHandle, ownsHandle: true));
        return ValueTask.FromResult<IConnectionListener>(new StreamListener(socket, endpoint, _loop.Value, _pool, maxReadBufferSize, log));
    }

    public bool RunReady() => _loop.IsValueCreated && _loop.Value.RunReady();

    public ITransportTimer CreateTimer(Action expired) => new LoopTimer(_loop.Value, expired);
}
