using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Dram.Transport;

/// <summary>
/// One accepted TCP or unix connection, as Kestrel sees it: a pair of pipes, the receiving side fed
/// by the event loop, the sending side drained by <see cref="ConnectionOutput"/>.
/// </summary>
/// <remarks>
/// A receive that fills less than the buffer it was given has emptied the socket, so the next
/// receive waits for epoll's next edge instead of trying first: a keep-alive connection makes one
/// recv(2) per request rather than two (the second answering EAGAIN), and rents a buffer only once
/// bytes have arrived, so an idle connection holds none.
/// </remarks>
internal sealed class StreamConnection : ConnectionContext, IReadinessTarget,
    IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature, IMemoryPoolFeature,
    IConnectionLifetimeFeature, IConnectionEndPointFeature, IConnectionSocketFeature
{
    private static long s_lastId;

    private readonly Socket _socket;
    private readonly int _fd;
    private readonly EventLoop _loop;
    private readonly ulong _key;
    private readonly MemoryPool<byte> _pool;
    private readonly Pipe _input;
    private readonly ConnectionOutput _output;
    private readonly IDuplexPipe _originalTransport;
    private readonly ReadinessSignal _readable = new();
    private readonly ReadinessSignal _writable = new();
    private readonly CancellationTokenSource _closed = new();
    private readonly TaskCompletionSource _closedFired = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _shutdownLock = new();
    private readonly long _id = Interlocked.Increment(ref s_lastId);
    private readonly Task _receiving;
    private readonly Task _sending;
    private string? _connectionId;
    private IDictionary<object, object?>? _items;
    private volatile Exception? _shutdownReason;
    private volatile bool _inputEnded;
    private bool _shutDown;

    private StreamConnection(Socket socket, EventLoop loop, MemoryPool<byte> pool, long maxReadBufferSize)
    {
        _socket = socket;
        _fd = (int)socket.SafeHandle.DangerousGetHandle();
        _loop = loop;
        _pool = pool;
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        // Kestrel's parsing continues inline on the thread that received (the event loop's), and a
        // full buffer (a request head or body the app has not read yet) stops the receiving.
        _input = new Pipe(new PipeOptions(pool, PipeScheduler.Inline, PipeScheduler.Inline,
            pauseWriterThreshold: maxReadBufferSize, resumeWriterThreshold: maxReadBufferSize / 2, useSynchronizationContext: false));
        _output = new ConnectionOutput(_fd, _writable, this, pool);
        _originalTransport = new DuplexPipe(_input.Reader, _output.Writer);
        Transport = _originalTransport;
        ConnectionClosed = _closed.Token;
        Features = new FeatureCollection();
        Features.Set<IConnectionIdFeature>(this);
        Features.Set<IConnectionTransportFeature>(this);
        Features.Set<IConnectionItemsFeature>(this);
        Features.Set<IMemoryPoolFeature>(this);
        Features.Set<IConnectionLifetimeFeature>(this);
        Features.Set<IConnectionEndPointFeature>(this);
        Features.Set<IConnectionSocketFeature>(this);
        _key = loop.Register(_fd, this);
        _receiving = ReceiveAsync();
        _sending = SendAsync();
    }

    /// <summary>Takes over an accepted socket: non-blocking, registered with the loop, receiving.</summary>
    public static StreamConnection Start(Socket socket, EventLoop loop, MemoryPool<byte> pool, long maxReadBufferSize)
    {
        socket.Blocking = false;
        return new StreamConnection(socket, loop, pool, maxReadBufferSize);
    }

    public override string ConnectionId
    {
        get => _connectionId ??= $"{Environment.ProcessId:x}-{_id:x}";
        set => _connectionId = value;
    }

    public override IFeatureCollection Features { get; }

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new Dictionary<object, object?>();
        set => _items = value;
    }

    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed { get; set; }

    public MemoryPool<byte> MemoryPool => _pool;

    public Socket Socket => _socket;

    /// <summary>The sending side, offered as a file sender on plain HTTP/1.1 connections only.</summary>
    internal ConnectionOutput Output => _output;

    public void OnReadiness(uint events)
    {
        if ((events & (SocketCalls.EpollRdHup | SocketCalls.EpollHup | SocketCalls.EpollErr)) != 0)
        {
            // The end (a FIN or a reset) may have come with the last bytes, in one edge: a short
            // read then does not mean there is nothing more to learn.
            _inputEnded = true;
        }
        if ((events & (SocketCalls.EpollIn | SocketCalls.EpollRdHup | SocketCalls.EpollHup | SocketCalls.EpollErr)) != 0)
        {
            _readable.Set();
        }
        if ((events & (SocketCalls.EpollOut | SocketCalls.EpollHup | SocketCalls.EpollErr)) != 0)
        {
            _writable.Set();
        }
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        Shutdown(abortReason);
        // After the shutdown, so that the send loop ends with this reason recorded.
        _output.Abandon();
    }

    public override async ValueTask DisposeAsync()
    {
        await _originalTransport.Input.CompleteAsync();
        await _originalTransport.Output.CompleteAsync();
        await _sending;
        await _receiving;
        lock (_shutdownLock)
        {
            // No shutdown(2) from a late Abort may reach the descriptor number once it is closed
            // and perhaps taken by the next connection.
            _shutDown = true;
            _shutdownReason ??= new ConnectionAbortedException("The connection was disposed.");
        }
        _loop.Unregister(_fd, _key);
        _socket.Dispose();
        _closed.Dispose();
    }

    /// <summary>Sends until the sending ends, then ends the connection both ways, as Kestrel's socket transport does.</summary>
    private async Task SendAsync()
    {
        Exception? failure;
        try
        {
            failure = await _output.RunAsync();
        }
        catch (Exception e)
        {
            failure = e;
        }
        Shutdown(failure);
    }

    /// <summary>
    /// Ends the connection both ways (shutdown(2), not close: the loops may still be in a call on
    /// the descriptor, which is closed once both have ended). The epoll edge it raises ends a wait.
    /// </summary>
    private void Shutdown(Exception? reason)
    {
        lock (_shutdownLock)
        {
            if (_shutDown)
            {
                return;
            }
            _shutDown = true;
            _shutdownReason = reason ?? new ConnectionAbortedException("The transport's send loop completed gracefully.");
            SocketCalls.Shutdown(_fd);
        }
    }

    private async Task ReceiveAsync()
    {
        var writer = _input.Writer;
        Exception? error = null;
        try
        {
            while (true)
            {
                await _readable.WaitAsync();
                while (true)
                {
                    _readable.Clear();
                    var memory = writer.GetMemory();
                    var received = Receive(memory);
                    if (received > 0)
                    {
                        writer.Advance((int)received);
                        var flush = await writer.FlushAsync();
                        if (flush.IsCompleted || flush.IsCanceled)
                        {
                            return;
                        }
                        if (received < memory.Length && !_inputEnded)
                        {
                            break;
                        }
                    }
                    else if (received == 0)
                    {
                        return;
                    }
                    else if (received == -SocketCalls.EAgain)
                    {
                        writer.Advance(0);
                        break;
                    }
                    else if (received != -SocketCalls.EIntr)
                    {
                        throw new SocketException((int)-received);
                    }
                }
            }
        }
        catch (SocketException e) when (e.NativeErrorCode == SocketCalls.EConnReset)
        {
            error = new ConnectionResetException(e.Message, e);
        }
        catch (SocketException e)
        {
            error = new ConnectionAbortedException(e.Message, e);
        }
        catch (Exception e)
        {
            error = e;
        }
        finally
        {
            // After a shutdown its reason is why the receiving ended, whatever the call then said.
            await writer.CompleteAsync(_shutdownReason ?? error);
            ThreadPool.UnsafeQueueUserWorkItem(static connection => connection.FireConnectionClosed(), this, preferLocal: false);
            await _closedFired.Task;
        }
    }

    private unsafe nint Receive(Memory<byte> memory)
    {
        fixed (byte* start = memory.Span)
        {
            return SocketCalls.Receive(_fd, start, memory.Length);
        }
    }

    private void FireConnectionClosed()
    {
        try
        {
            _closed.Cancel();
        }
        finally
        {
            _closedFired.TrySetResult();
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }
}
