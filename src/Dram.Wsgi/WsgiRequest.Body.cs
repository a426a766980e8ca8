using System.IO.Pipelines;
using Dram.Python;
using Dram.Python.Native;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Win32.SafeHandles;

namespace Dram.Wsgi;

// The response body: chunks copied into Kestrel's buffer, flushed now or from the thread pool,
// files read into the buffer or sent in place with sendfile(2), and a client that stalls or leaves.
internal sealed unsafe partial class WsgiRequest
{
    /// <summary>Streamed chunks are written and flushed in pieces of at most this, bounding buffered output.</summary>
    private const int MaxWriteSlice = 64 * 1024;

    /// <summary>
    /// Streamed chunks waiting for a <see cref="DeferredFlush"/> past this are flushed by the Python
    /// thread itself, so an app producing faster than the pool thread sends buffers no more.
    /// </summary>
    private const int DeferredFlushLimit = 64 * 1024;

    private readonly DeferredFlush _deferredFlush;

    /// <summary>Under <see cref="_gate"/>: a <see cref="DeferredFlush"/> is queued and has not run yet.</summary>
    private bool _flushQueued;

    /// <summary>Under <see cref="_gate"/>: a deferred flush the transport has not finished (a slow client).</summary>
    private Task<FlushResult>? _flushInFlight;

    /// <summary>Under <see cref="_gate"/>: a deferred flush found the client gone.</summary>
    private bool _deferredFlushFailed;

    /// <summary>Under <see cref="_gate"/>: bytes written since the last flush began.</summary>
    private long _unflushed;

    /// <summary>Writes one body chunk. False when no more of the body is wanted (app fault, client gone, or a response without a body).</summary>
    internal bool WriteChunk(nint chunk, bool flush)
    {
        if (CApi.TypeOf(chunk) != CApi.BytesType && CApi.PyObject_IsInstance(chunk, CApi.BytesType) != 1)
        {
            CApi.PyErr_Clear();
            AppBrokeRule(CApi.TypeOf(chunk) == CApi.UnicodeType
                ? "the response body holds a str; every chunk of a WSGI body must be bytes: encode text first (text.encode())"
                : $"the response body holds {Py.TypeName(chunk)}; every chunk of a WSGI body must be bytes");
            return false;
        }
        var data = Py.BytesSpan(chunk);
        if (data.IsEmpty)
        {
            return true;
        }
        if (!_started)
        {
            AppBrokeRule("the application produced body data before calling start_response(); call start_response(status, headers) before the first non-empty chunk");
            return false;
        }
        return WriteBody(data, flush);
    }

    /// <summary>Sends bytes of the body, headers first. The GIL is released while a flush waits.</summary>
    internal bool WriteBody(ReadOnlySpan<byte> data, bool flush)
    {
        if (_clientGone || _aborted)
        {
            return false;
        }
        if (!_headersSent)
        {
            SendHeaders();
        }
        if (!_bodyAllowed)
        {
            // HEAD, 204, 304: no body byte goes out, so pulling more of it is pointless, and an
            // endless iterable would hold this thread forever (no write ever notices the client
            // leaving). The caller stops and closes the iterable.
            return false;
        }
        if (_contentLength >= 0 && _written + data.Length > _contentLength)
        {
            data = data[..(int)(_contentLength - _written)];
            // write() keeps returning normally past the limit; one line per request, not per call.
            if (!_overflowLogged)
            {
                _overflowLogged = true;
                WsgiLog.BodyTooLong(_log, _method, _path, _contentLength);
            }
            WriteSlices(data, flush);
            return false;
        }
        return WriteSlices(data, flush);
    }

    private bool WriteSlices(ReadOnlySpan<byte> data, bool flush)
    {
        while (data.Length > 0)
        {
            var slice = data.Length > MaxWriteSlice ? data[..MaxWriteSlice] : data;
            bool copied;
            lock (_gate)
            {
                if (_released)
                {
                    return false;
                }
                copied = TryCopy(_body.Writer, slice);
            }
            if (!copied)
            {
                return ClientWentAway();
            }
            _written += slice.Length;
            data = data[slice.Length..];
            if (data.Length > 0 ? !Flush() : flush && !FlushSoon(slice.Length))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Makes sure what was written goes out without waiting for it: a <see cref="DeferredFlush"/>
    /// sends it from the thread pool, unless too much is waiting or an earlier flush is still
    /// held up by the client, when this thread flushes (and waits) itself.
    /// </summary>
    private bool FlushSoon(int written)
    {
        bool gone;
        bool flushNow;
        lock (_gate)
        {
            if (_released)
            {
                return false;
            }
            if (_flushInFlight is { IsCompleted: true } finished)
            {
                _flushInFlight = null;
                _deferredFlushFailed |= ClientGone(finished);
            }
            gone = _deferredFlushFailed || Input.ClientLeft || FeatureLookup.Required<IHttpRequestLifetimeFeature>(_features).RequestAborted.IsCancellationRequested;
            _unflushed += written;
            flushNow = _unflushed >= DeferredFlushLimit || _flushInFlight is not null;
            if (!gone && !flushNow && !_flushQueued)
            {
                _flushQueued = true;
                _deferredFlush.Queue(Generation);
            }
        }
        _flushed = true;
        if (gone)
        {
            return ClientWentAway();
        }
        return !flushNow || Flush();
    }

    /// <summary>A <see cref="DeferredFlush"/> running on the thread pool, for request <paramref name="generation"/>.</summary>
    internal void RunDeferredFlush(long generation)
    {
        lock (_gate)
        {
            if (generation != Generation)
            {
                return;
            }
            _flushQueued = false;
            if (_released || !_active || _deferredFlushFailed)
            {
                return;
            }
            if (_flushInFlight is { IsCompleted: false } earlier)
            {
                // What was written since waits for the earlier flush; queue again once it is done.
                _flushQueued = true;
                earlier.ContinueWith(static (_, state) => ((DeferredFlush)state!).Requeue(), _deferredFlush,
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return;
            }
            _unflushed = 0;
            try
            {
                var pending = _body.Writer.FlushAsync();
                if (!pending.IsCompleted)
                {
                    _flushInFlight = pending.AsTask();
                    return;
                }
                _deferredFlushFailed = ClientGone(pending.Result);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                _deferredFlushFailed = true;
            }
            catch (Exception e)
            {
                // On a pool thread an exception would end the worker; this request ends instead.
                _deferredFlushFailed = true;
                WsgiLog.InternalError(_log, e);
            }
        }
    }

    /// <summary>A finished flush that failed, or whose result says the connection is gone.</summary>
    private static bool ClientGone(Task<FlushResult> flush) => !flush.IsCompletedSuccessfully || ClientGone(flush.Result);

    private static bool ClientGone(FlushResult result) => result.IsCanceled || result.IsCompleted;

    /// <summary>Pushes buffered output to the socket, waiting (without the GIL) while the client is slow.</summary>
    internal bool Flush() => FlushCore(releaseGil: true);

    /// <summary><see cref="Flush"/> for callers that released the GIL already.</summary>
    internal bool FlushWithoutGil() => FlushCore(releaseGil: false);

    private bool FlushCore(bool releaseGil)
    {
        _flushed = true;
        FlushResult result;
        try
        {
            ValueTask<FlushResult> pending;
            Task<FlushResult>? waiting = null;
            while (true)
            {
                Task<FlushResult>? earlier;
                lock (_gate)
                {
                    if (_released)
                    {
                        return false;
                    }
                    if (_deferredFlushFailed)
                    {
                        return ClientWentAway();
                    }
                    earlier = _flushInFlight;
                    if (earlier is null || earlier.IsCompleted)
                    {
                        _flushInFlight = null;
                        if (earlier is not null && ClientGone(earlier))
                        {
                            _deferredFlushFailed = true;
                            return ClientWentAway();
                        }
                        _unflushed = 0;
                        pending = _body.Writer.FlushAsync();
                        if (!pending.IsCompletedSuccessfully)
                        {
                            // Recorded so that a deferred flush queued earlier waits for this one.
                            waiting = pending.AsTask();
                            _flushInFlight = waiting;
                        }
                        break;
                    }
                }
                // A deferred flush is held up by the client: a second flush must not overlap it.
                FlushResult earlierResult;
                if (releaseGil)
                {
                    using (GilReleased.Scope())
                    {
                        earlierResult = AwaitClient(earlier);
                    }
                }
                else
                {
                    earlierResult = AwaitClient(earlier);
                }
                if (ClientGone(earlierResult))
                {
                    return ClientWentAway();
                }
            }
            if (waiting is null)
            {
                result = pending.Result;
            }
            else if (releaseGil)
            {
                using (GilReleased.Scope())
                {
                    result = AwaitClient(waiting);
                }
            }
            else
            {
                result = AwaitClient(waiting);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            return ClientWentAway();
        }
        if (ClientGone(result))
        {
            return ClientWentAway();
        }
        lock (_gate)
        {
            if (_released || FeatureLookup.Required<IHttpRequestLifetimeFeature>(_features).RequestAborted.IsCancellationRequested)
            {
                return ClientWentAway();
            }
        }
        return true;
    }

    /// <summary>
    /// Copies <paramref name="data"/> into the response buffer. False when the connection is gone:
    /// once Kestrel has aborted it, the writer hands out no more memory (or refuses to write).
    /// </summary>
    private static bool TryCopy(PipeWriter writer, ReadOnlySpan<byte> data)
    {
        try
        {
            while (data.Length > 0)
            {
                var span = writer.GetSpan(data.Length);
                if (span.IsEmpty)
                {
                    return false;
                }
                var count = Math.Min(span.Length, data.Length);
                data[..count].CopyTo(span);
                writer.Advance(count);
                data = data[count..];
            }
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Waits (GIL released) for the client to take more of the response. A client that accepts no
    /// byte for the stall limit gets its connection closed: Kestrel's minimum response rate is an
    /// average that a fast start can stretch to hours, and this thread is needed for other requests.
    /// </summary>
    private FlushResult AwaitClient(Task<FlushResult> task)
    {
        var limit = _runtime.Options.ClientStallLimit;
        if (!ClientWait.Completes(task, limit))
        {
            WsgiLog.ClientStalled(_log, _method, _path, limit.TotalSeconds);
            lock (_gate)
            {
                if (!_released)
                {
                    FeatureLookup.Required<IHttpRequestLifetimeFeature>(_features).Abort();
                }
            }
        }
        return task.GetAwaiter().GetResult();
    }

    private bool ClientWentAway()
    {
        _clientGone = true;
        WsgiLog.ClientGone(_log, _method, _path);
        return false;
    }

    /// <summary>
    /// Reads up to <paramref name="max"/> bytes of a file at <paramref name="offset"/> straight into
    /// the response buffer. -1 when the request was taken away (timed out) or the client is gone, 0 at end of file.
    /// </summary>
    internal int WriteFromFile(SafeFileHandle file, long offset, int max)
    {
        lock (_gate)
        {
            if (_released)
            {
                return -1;
            }
            var writer = _body.Writer;
            var span = writer.GetSpan(max);
            if (span.IsEmpty)
            {
                // The connection was aborted: Kestrel hands out no more buffer.
                ClientWentAway();
                return -1;
            }
            var read = RandomAccess.Read(file, span[..Math.Min(max, span.Length)], offset);
            if (read > 0)
            {
                writer.Advance(read);
                _written += read;
            }
            return read;
        }
    }

    /// <summary>
    /// The connection's sendfile(2) path, for a body of known length on a connection that has one
    /// (plain HTTP/1.1); null otherwise.
    /// </summary>
    internal IConnectionFileSender? FileSender =>
        _contentLength >= 0 ? FeatureLookup.Optional<IConnectionFileSender>(_features) : null;

    /// <summary>
    /// Sends <paramref name="count"/> bytes of <paramref name="file"/> from <paramref name="offset"/>
    /// with sendfile(2), the headers (sent already) first; the GIL released by the caller. The same
    /// count goes through Kestrel as bytes the connection sends the file in place of, so Kestrel's
    /// Content-Length, data-rate and keep-alive accounting stay as for any body. Returns once the
    /// file is sent (the descriptor is Python's and closes after the response) or the client is gone;
    /// false when the connection declined the file (nothing of the body written yet).
    /// </summary>
    internal bool SendInPlace(IConnectionFileSender sender, SafeFileHandle file, long offset, long count)
    {
        if (!FlushWithoutGil())
        {
            return true;
        }
        var sent = sender.SendInPlace(file, offset, count, sender.Written);
        if (sent is null)
        {
            return false;
        }
        var remaining = count;
        long unflushed = 0;
        while (remaining > 0)
        {
            lock (_gate)
            {
                if (_released)
                {
                    break;
                }
                var memory = _body.Writer.GetMemory((int)Math.Min(InPlaceSlice, remaining));
                if (memory.IsEmpty)
                {
                    ClientWentAway();
                    break;
                }
                var length = (int)Math.Min(memory.Length, remaining);
                _body.Writer.Advance(length);
                _written += length;
                remaining -= length;
                unflushed += length;
            }
            if (unflushed < InPlaceRun && remaining > 0)
            {
                continue;
            }
            if (!FlushWithoutGil())
            {
                break;
            }
            unflushed = 0;
        }
        if (remaining > 0 || !ClientWait.Completes(sent, _runtime.Options.ClientStallLimit))
        {
            // The connection cannot finish this body (the client went away, or stopped reading
            // for the stall limit): end it, which ends the send and frees the file.
            FeatureLookup.Required<IHttpRequestLifetimeFeature>(_features).Abort();
            sender.Abandon();
            sent.Wait();
        }
        if (!sent.Result)
        {
            ClientWentAway();
        }
        return true;
    }

    // One pool block of stand-in bytes at a time.
    private const int InPlaceSlice = 64 * 1024;

    // Stand-in bytes per flush, so one sendfile(2) carries up to this much: every flush is a
    // sendfile call, and on loopback each call's data wakes the reader once more. The stand-ins
    // hold up to 16 pool blocks while the run is sent.
    private const int InPlaceRun = 1024 * 1024;
}
