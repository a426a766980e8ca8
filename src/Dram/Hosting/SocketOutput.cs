using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Dram.Wsgi;
using Microsoft.AspNetCore.Connections;
using Microsoft.Win32.SafeHandles;

namespace Dram.Hosting;

/// <summary>
/// What a plain HTTP/1.1 connection sends, sent by Dram rather than by Kestrel's transport: the
/// bytes Kestrel writes go out as they are, except where a file body was promised in their place
/// (<see cref="IConnectionFileSender"/>), which goes with sendfile(2) straight from the page cache.
/// </summary>
internal sealed class SocketOutput : IConnectionFileSender
{
    private readonly Socket _socket;
    private readonly ConnectionContext _connection;
    private readonly Pipe _pipe;
    private readonly CountingWriter _writer;
    private readonly Queue<FileRegion> _regions = new();
    private volatile int _pendingRegions;
    private long _sent;
    private bool _ended;

    public SocketOutput(Socket socket, ConnectionContext connection, MemoryPool<byte> pool)
    {
        _socket = socket;
        _connection = connection;
        // The same back-pressure as Kestrel's own transport (64 KiB, resuming at 32 KiB), and the
        // same inline scheduling: the send starts on the thread that flushed.
        _pipe = new Pipe(new PipeOptions(pool, PipeScheduler.Inline, PipeScheduler.Inline,
            pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024, useSynchronizationContext: false));
        _writer = new CountingWriter(_pipe.Writer);
    }

    /// <summary>Where Kestrel writes the connection's responses.</summary>
    public PipeWriter Writer => _writer;

    public long Written => _writer.Written;

    public Task<bool>? SendInPlace(SafeFileHandle file, long offset, long count, long at)
    {
        var stream = OpenForSendfile(file);
        if (stream is null)
        {
            return null;
        }
        var region = new FileRegion(stream, offset, at, at + count);
        lock (_regions)
        {
            if (!_ended)
            {
                _regions.Enqueue(region);
                _pendingRegions++;
                return region.Done.Task;
            }
        }
        region.Dispose();
        return Task.FromResult(false);
    }

    /// <summary>
    /// The file opened again through /proc/self/fd: .NET sends a file only from a stream opened for
    /// asynchronous use, which Python's descriptor is not. Null when that is not possible (no /proc).
    /// </summary>
    private static FileStream? OpenForSendfile(SafeFileHandle file)
    {
        try
        {
            var handle = File.OpenHandle($"/proc/self/fd/{file.DangerousGetHandle()}", FileMode.Open, FileAccess.Read,
                FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
            return new FileStream(handle, FileAccess.Read, bufferSize: 0, isAsync: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    public void Abandon() => _pipe.Reader.CancelPendingRead();

    /// <summary>Sends until Kestrel completes the writer, the client goes away, or the connection is aborted.</summary>
    public async Task RunAsync()
    {
        var reader = _pipe.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                var buffer = result.Buffer;
                while (!buffer.IsEmpty)
                {
                    var region = _pendingRegions > 0 ? NextRegion() : null;
                    if (region is not null && _sent >= region.Start)
                    {
                        var inPlace = Math.Min(buffer.Length, region.End - _sent);
                        if (!await SendFileAsync(region, inPlace))
                        {
                            _connection.Abort(new ConnectionAbortedException("The file of a file_wrapper response ended before its Content-Length."));
                            return;
                        }
                        buffer = buffer.Slice(inPlace);
                    }
                    else
                    {
                        var before = region is null ? buffer.Length : Math.Min(buffer.Length, region.Start - _sent);
                        await SendAsync(buffer.Slice(0, before));
                        _sent += before;
                        buffer = buffer.Slice(before);
                    }
                }
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            _connection.Abort(new ConnectionAbortedException("The client went away while being sent a response.", e));
        }
        catch (Exception e)
        {
            // Not the client: the connection cannot go on, and Kestrel logs what happened.
            _connection.Abort(new ConnectionAbortedException("Sending the response failed.", e));
            throw;
        }
        finally
        {
            // Kestrel learns of the end from the abort; an exception here would surface in whichever
            // thread flushes next, a Python thread included.
            await reader.CompleteAsync();
            FailRemainingRegions();
        }
    }

    private FileRegion? NextRegion()
    {
        lock (_regions)
        {
            return _regions.TryPeek(out var region) ? region : null;
        }
    }

    private async ValueTask SendAsync(ReadOnlySequence<byte> bytes)
    {
        foreach (var segment in bytes)
        {
            var remaining = segment;
            while (!remaining.IsEmpty)
            {
                var sent = await _socket.SendAsync(remaining, SocketFlags.None);
                remaining = remaining[sent..];
            }
        }
    }

    private async ValueTask<bool> SendFileAsync(FileRegion region, long length)
    {
        while (length > 0)
        {
            var piece = (int)Math.Min(length, int.MaxValue);
            var sent = await region.SendAsync(_socket, region.FileOffset + (_sent - region.Start), piece);
            if (sent <= 0)
            {
                return false;
            }
            _sent += sent;
            length -= sent;
        }
        if (_sent == region.End)
        {
            lock (_regions)
            {
                _regions.Dequeue();
                _pendingRegions--;
            }
            region.Done.TrySetResult(true);
            region.Dispose();
        }
        return true;
    }

    private void FailRemainingRegions()
    {
        lock (_regions)
        {
            _ended = true;
            while (_regions.TryDequeue(out var region))
            {
                region.Done.TrySetResult(false);
                region.Dispose();
            }
            _pendingRegions = 0;
        }
    }

    private sealed class FileRegion(FileStream stream, long fileOffset, long start, long end) : IDisposable
    {
        private SendPacketsCompletion? _send;

        public long FileOffset => fileOffset;

        public long Start => start;

        public long End => end;

        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>One sendfile(2) run of up to <paramref name="count"/> bytes; fewer when the file ended.</summary>
        public async ValueTask<int> SendAsync(Socket socket, long offset, int count)
        {
            _send ??= new SendPacketsCompletion();
            _send.SendPacketsElements = [new SendPacketsElement(stream, offset, count, endOfPacket: false)];
            var finished = _send.Start();
            if (socket.SendPacketsAsync(_send))
            {
                await finished;
            }
            if (_send.SocketError != SocketError.Success)
            {
                throw new SocketException((int)_send.SocketError);
            }
            return (int)Math.Min(_send.BytesTransferred, count);
        }

        public void Dispose()
        {
            _send?.Dispose();
            stream.Dispose();
        }
    }

    private sealed class SendPacketsCompletion() : SocketAsyncEventArgs(unsafeSuppressExecutionContextFlow: true)
    {
        private TaskCompletionSource? _finished;

        public Task Start()
        {
            _finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _finished.Task;
        }

        protected override void OnCompleted(SocketAsyncEventArgs e) => _finished?.TrySetResult();
    }

    /// <summary>Kestrel's writer onto the pipe, counting the bytes it commits.</summary>
    private sealed class CountingWriter(PipeWriter inner) : PipeWriter
    {
        private long _written;

        public long Written => Volatile.Read(ref _written);

        public override void Advance(int bytes)
        {
            inner.Advance(bytes);
            Volatile.Write(ref _written, _written + bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;
    }
}
