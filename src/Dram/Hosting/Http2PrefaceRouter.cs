using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;

namespace Dram.Hosting;

/// <summary>
/// Accepts on one cleartext listening socket and routes each connection by its first bytes: the
/// 24-byte HTTP/2 connection preface (RFC 9113 section 3.4, prior knowledge) goes to the h2c
/// endpoint, anything else to the HTTP/1.1 one. The bytes read to decide stay unconsumed, so the
/// chosen protocol parses them from the start. A connection that sends nothing within the keep-alive
/// timeout is closed, as Kestrel closes one that sends no request.
/// </summary>
internal sealed class Http2PrefaceRouter(int descriptor, TimeSpan firstBytesTimeout)
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    private readonly Channel<ConnectionContext> _http1 = Channel.CreateUnbounded<ConnectionContext>();
    private readonly Channel<ConnectionContext> _http2 = Channel.CreateUnbounded<ConnectionContext>();
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _starting = new(1, 1);
    private IConnectionListener? _socket;
    private Task _accepting = Task.CompletedTask;
    private int _stopped;
    private int _disposed;

    /// <summary>Starts accepting on the socket, once for both endpoints.</summary>
    public async Task StartAsync(IConnectionListenerFactory sockets, CancellationToken cancellationToken)
    {
        await _starting.WaitAsync(cancellationToken);
        try
        {
            if (_socket is null)
            {
                _socket = await sockets.BindAsync(new FileHandleEndPoint((ulong)descriptor, FileHandleType.Auto), cancellationToken);
                _accepting = AcceptAsync(_socket);
            }
        }
        finally
        {
            _starting.Release();
        }
    }

    public IConnectionListener ListenerFor(CleartextHttp2EndPoint endpoint) =>
        new RoutedListener(this, endpoint, endpoint.Http2 ? _http2.Reader : _http1.Reader);

    private async Task AcceptAsync(IConnectionListener socket)
    {
        while (true)
        {
            ConnectionContext? connection;
            try
            {
                connection = await socket.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            if (connection is null)
            {
                break;
            }
            _ = RouteAsync(connection);
        }
        _http1.Writer.TryComplete();
        _http2.Writer.TryComplete();
    }

    private async Task RouteAsync(ConnectionContext connection)
    {
        var http2 = await OpensWithPrefaceAsync(connection.Transport.Input);
        var queue = http2 switch
        {
            true => _http2.Writer,
            false => _http1.Writer,
            null => null,
        };
        if (queue is null || !queue.TryWrite(connection))
        {
            await connection.DisposeAsync();
        }
    }

    /// <summary>True for the HTTP/2 preface, false for anything else, null when nothing came in time (or the router stops).</summary>
    private async Task<bool?> OpensWithPrefaceAsync(PipeReader input)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        deadline.CancelAfter(firstBytesTimeout);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(deadline.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException or ObjectDisposedException)
            {
                return null;
            }
            var buffer = result.Buffer;
            var matched = Math.Min(buffer.Length, Preface.Length);
            var prefixMatches = StartsWith(buffer, Preface.AsSpan(0, (int)matched));
            if (!prefixMatches || matched == Preface.Length || result.IsCompleted || result.IsCanceled)
            {
                // Leave every byte for the protocol that gets the connection.
                input.AdvanceTo(buffer.Start);
                if (buffer.IsEmpty)
                {
                    return null;
                }
                return prefixMatches && matched == Preface.Length;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static bool StartsWith(ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> prefix)
    {
        if (buffer.FirstSpan.Length >= prefix.Length)
        {
            return buffer.FirstSpan.StartsWith(prefix);
        }
        Span<byte> head = stackalloc byte[prefix.Length];
        buffer.Slice(0, prefix.Length).CopyTo(head);
        return head.SequenceEqual(prefix);
    }

    /// <summary>Stops accepting for both endpoints (Kestrel unbinds them together when it stops).</summary>
    private async ValueTask StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }
        _stopping.Cancel();
        if (_socket is not null)
        {
            await _socket.UnbindAsync();
        }
        await _accepting;
    }

    private async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        foreach (var queue in new[] { _http1, _http2 })
        {
            while (queue.Reader.TryRead(out var connection))
            {
                await connection.DisposeAsync();
            }
        }
        if (_socket is not null)
        {
            await _socket.DisposeAsync();
        }
        _stopping.Dispose();
        _starting.Dispose();
    }

    /// <summary>What Kestrel sees as one endpoint's listener: the connections routed to it.</summary>
    private sealed class RoutedListener(Http2PrefaceRouter router, EndPoint endpoint, ChannelReader<ConnectionContext> connections) : IConnectionListener
    {
        public EndPoint EndPoint => endpoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                return await connections.ReadAsync(cancellationToken);
            }
            catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
            {
                return null;
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => router.StopAsync();

        public ValueTask DisposeAsync() => router.DisposeAsync();
    }
}
