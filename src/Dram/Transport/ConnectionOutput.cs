using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Dram.Wsgi;
using Microsoft.AspNetCore.Connections;
using Microsoft.Win32.SafeHandles;

namespace Dram.Transport;

/// <summary>
/// What a connection sends: the bytes Kestrel (or the TLS layer) writes go out as they are, with
/// non-blocking send(2)/sendmsg(2) on the thread that flushed, waiting for the socket to become
/// writable only when the kernel's buffer is full. On a plain HTTP/1.1 connection a file body may
/// be promised in place of bytes written (<see cref="IConnectionFileSender"/>); it goes with
/// sendfile(2) straight from the page cache.
/// </summary>
internal sealed class ConnectionOutput : IConnectionFileSender
{
    // More pieces than this in one flush (rare: a response is mostly one or two blocks) go in
    // several calls.
    private const int MaxVectors = 16;

    private readonly int _fd;
    private readonly ReadinessSignal _writable;
    private readonly ConnectionContext _connection;
    private readonly Pipe _pipe;
    private readonly CountingWriter _writer;
    private readonly Queue<FileRegion> _regions = new();
    private volatile int _pendingRegions;
    private long _sent;
    private bool _ended;
    private MemoryHandle[]? _pins;

    public ConnectionOutput(int fd, ReadinessSignal writable, ConnectionContext connection, MemoryPool<byte> pool)
    {
        _fd = fd;
        _writable = writable;
        _connection = connection;
        // The same back-pressure as Kestrel's own transport (64 KiB, resuming at 32 KiB); the send
        // starts on the thread that flushed.
        _pipe = new Pipe(new PipeOptions(pool, PipeScheduler.Inline, PipeScheduler.Inline,
            pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024, useSynchronizationContext: false));
        _writer = new CountingWriter(_pipe.Writer);
    }

    /// <summary>Where Kestrel writes the connection's bytes.</summary>
    public PipeWriter Writer => _writer;

    public long Written => _writer.Written;

    public Task<bool>? SendInPlace(SafeFileHandle file, long offset, long count, long at)
    {
        var own = OpenAgain(file);
        if (own is null)
        {
            return null;
        }
        var region = new FileRegion(own, offset, at, at + count);
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
    /// The file opened again through /proc/self/fd, so that the app closing its own file object
    /// cannot close the descriptor a pending sendfile(2) reads from. Null when that is not possible (no /proc).
    /// </summary>
    private static SafeFileHandle? OpenAgain(SafeFileHandle file)
    {
        try
        {
            return File.OpenHandle($"/proc/self/fd/{file.DangerousGetHandle()}", FileMode.Open, FileAccess.Read,
                FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    public void Abandon() => _pipe.Reader.CancelPendingRead();

    /// <summary>
    /// Sends until Kestrel completes the writer, the client goes away, or the connection is aborted.
    /// Returns why sending ended early (null when Kestrel completed the writer); never throws.
    /// </summary>
    public async Task<Exception?> RunAsync()
    {
        var reader = _pipe.Reader;
        Exception? failure = null;
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
                            failure = new ConnectionAbortedException("The file of a file_wrapper response ended before its Content-Length.");
                            _connection.Abort((ConnectionAbortedException)failure);
                            return failure;
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
                    break;
                }
            }
        }
        catch (SocketException e)
        {
            failure = new ConnectionAbortedException("The client went away while being sent a response.", e);
            _connection.Abort((ConnectionAbortedException)failure);
        }
        catch (Exception e)
        {
            // Not the client: the connection cannot go on; the abort's reason carries what happened
            // to Kestrel, which ends the request with it.
            failure = new ConnectionAbortedException("Sending the response failed.", e);
            _connection.Abort((ConnectionAbortedException)failure);
        }
        finally
        {
            // Kestrel learns of the end from the abort; an exception here would surface in whichever
            // thread flushes next, a Python thread included.
            await reader.CompleteAsync();
            FailRemainingRegions();
        }
        return failure;
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
        while (!bytes.IsEmpty)
        {
            _writable.Clear();
            var sent = bytes.IsSingleSegment ? SendOne(bytes.FirstSpan) : SendGathered(bytes);
            if (sent >= 0)
            {
                bytes = bytes.Slice(sent);
                if (!bytes.IsEmpty)
                {
                    // A short send: the kernel's buffer is full until the client reads.
                    await _writable.WaitAsync();
                }
            }
            else if (sent == -SocketCalls.EAgain)
            {
                await _writable.WaitAsync();
            }
            else if (sent != -SocketCalls.EIntr)
            {
                throw new SocketException((int)-sent);
            }
        }
    }

    private unsafe nint SendOne(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* start = bytes)
        {
            return SocketCalls.Send(_fd, start, bytes.Length);
        }
    }

    private unsafe nint SendGathered(ReadOnlySequence<byte> bytes)
    {
        var vectors = stackalloc SocketCalls.IoVector[MaxVectors];
        var pins = _pins ??= new MemoryHandle[MaxVectors];
        var count = 0;
        try
        {
            foreach (var segment in bytes)
            {
                if (segment.IsEmpty)
                {
                    continue;
                }
                if (count == MaxVectors)
                {
                    break;
                }
                pins[count] = segment.Pin();
                vectors[count] = new SocketCalls.IoVector { Base = (byte*)pins[count].Pointer, Length = (nuint)segment.Length };
                count++;
            }
            return SocketCalls.SendGathered(_fd, vectors, count);
        }
        finally
        {
            for (var i = 0; i < count; i++)
            {
                pins[i].Dispose();
            }
        }
    }

    private async ValueTask<bool> SendFileAsync(FileRegion region, long length)
    {
        while (length > 0)
        {
            _writable.Clear();
            var piece = (nint)Math.Min(length, 1L << 30);
            var sent = SocketCalls.SendFile(_fd, (int)region.File.DangerousGetHandle(), region.FileOffset + (_sent - region.Start), piece);
            if (sent > 0)
            {
                // A short run is a full socket buffer or the file's end; the next call tells which.
                _sent += sent;
                length -= sent;
            }
            else if (sent == 0)
            {
                // The file is shorter than the region promised.
                return false;
            }
            else if (sent == -SocketCalls.EAgain)
            {
                await _writable.WaitAsync();
            }
            else if (sent != -SocketCalls.EIntr)
            {
                throw new SocketException((int)-sent);
            }
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

    private sealed class FileRegion(SafeFileHandle file, long fileOffset, long start, long end) : IDisposable
    {
        public SafeFileHandle File => file;

        public long FileOffset => fileOffset;

        public long Start => start;

        public long End => end;

        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Dispose() => file.Dispose();
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
