using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Dram.Python;
using Dram.Python.Native;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Dram.Wsgi;

/// <summary>
/// wsgi.input over Kestrel's request body pipe: Content-Length and chunked bodies both end in EOF
/// (hence <c>wsgi.input_terminated</c>), nothing is buffered beyond what a call asks for, and the
/// GIL is released whenever a read waits for the client. Kestrel answers <c>Expect: 100-continue</c>
/// on the first read. Methods return new Python references, or 0 with a Python error set.
/// A body growing past <paramref name="maxBodySize"/> (<c>--limit-request-body</c>; 0: no limit)
/// fails the read: a Content-Length over it never gets here, but a chunked body's size shows only as
/// it arrives. (Kestrel's own limit would count the chunk framing too.)
/// </summary>
internal sealed unsafe class RequestBodyReader(Func<bool> requestReleased, long maxBodySize, TimeSpan stallLimit)
{
    private const int InitialReadAllSize = 64 * 1024;
    private const int MaxRetainedLineBuffer = 1024 * 1024;

    /// <summary>Kestrel's body pipe, looked up on the first read: most requests (GET) are answered without one.</summary>
    private PipeReader? _reader;
    private long? _declaredLength;
    private bool _eof;
    private ArrayBufferWriter<byte> _line = new();

    /// <summary>Body bytes handed to the app so far.</summary>
    private long _consumed;

    /// <summary>
    /// The HTTP status the request should get when a body read failed because of what the client
    /// sent (413 too large, 400 malformed, 408 stalled); the connection cannot carry another request.
    /// </summary>
    public int? FailureStatus { get; private set; }

    /// <summary>
    /// True once the body outgrew --limit-request-body: the response then closes the connection, so
    /// the rest of the body is never read just to be thrown away.
    /// </summary>
    public bool LimitExceeded { get; private set; }

    /// <summary>
    /// True once a body read found the client gone: the connection was reset, or it ended before
    /// the whole body came. Kestrel sends nothing more on such a connection, so the request ends
    /// unanswered (499 in the access log) whatever the app makes of the failed read.
    /// </summary>
    public bool ClientLeft { get; private set; }

    private IFeatureCollection _features = null!;

    /// <summary>Reads the body of the request whose <paramref name="features"/> these are.</summary>
    public void Bind(IFeatureCollection features, long? declaredLength, int maxTrailerLineBytes)
    {
        _features = features;
        _reader = null;
        _maxTrailerLineBytes = maxTrailerLineBytes;
        _declaredLength = declaredLength;
        _eof = false;
        _consumed = 0;
        FailureStatus = null;
        LimitExceeded = false;
        ClientLeft = false;
    }

    /// <summary>
    /// True when the connection already ended (a reset, or a close before the whole body was sent)
    /// and the Content-Length body is not all buffered: it can never be read whole, nor can a
    /// response reach the client. Asked before the app is called; a request without a declared body
    /// pays one comparison, one with a body one look at the connection's state.
    /// </summary>
    public bool CutOffByClient(IFeatureCollection features)
    {
        if (_declaredLength is not > 0
            || !FeatureLookup.Required<IHttpRequestLifetimeFeature>(features).RequestAborted.IsCancellationRequested)
        {
            return false;
        }
        try
        {
            if (!Reader.TryRead(out var result))
            {
                return true;
            }
            var whole = result.Buffer.Length >= _declaredLength;
            Reader.AdvanceTo(result.Buffer.Start);
            return !whole;
        }
        catch (IOException)
        {
            // Kestrel's "Unexpected end of request content", or the reset that ended the connection.
            return true;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    private int _maxTrailerLineBytes;

    private PipeReader Reader => _reader ??= FeatureLookup.Required<IRequestBodyPipeFeature>(_features).Reader;

    private void Consume(in ReadOnlySequence<byte> buffer, long count)
    {
        Reader.AdvanceTo(buffer.GetPosition(count));
        _consumed += count;
    }

    /// <summary>read(size=-1): exactly size bytes unless the body ends first.</summary>
    public nint Read(long size)
    {
        if (size < 0)
        {
            return ReadAll();
        }
        var capacity = (nint)Math.Min(size, InitialReadAllSize);
        var result = CApi.PyBytes_FromStringAndSize(null, capacity);
        if (result == 0)
        {
            return 0;
        }
        long filled = 0;
        while (filled < size)
        {
            if (!Next(out var buffer, out var completed))
            {
                Py.DecRef(result);
                return 0;
            }
            if (buffer.IsEmpty && completed)
            {
                break;
            }
            var take = Math.Min(buffer.Length, size - filled);
            if (filled + take > capacity)
            {
                capacity = (nint)Math.Min(size, Math.Max(capacity * 2L, filled + take));
                if (CApi._PyBytes_Resize(&result, capacity) < 0)
                {
                    Reader.AdvanceTo(buffer.Start);
                    return 0;
                }
            }
            buffer.Slice(0, take).CopyTo(new Span<byte>(CApi.PyBytes_AsString(result) + filled, (int)take));
            Consume(buffer, take);
            filled += take;
        }
        if (filled != capacity && CApi._PyBytes_Resize(&result, (nint)filled) < 0)
        {
            return 0;
        }
        return result;
    }

    private nint ReadAll()
    {
        if (_declaredLength is { } length)
        {
            // The body is exactly Content-Length long (Kestrel enforces it): read it into one object.
            return Read(length);
        }
        _line.ResetWrittenCount();
        while (true)
        {
            if (!Next(out var buffer, out var completed))
            {
                return 0;
            }
            if (buffer.IsEmpty && completed)
            {
                break;
            }
            foreach (var segment in buffer)
            {
                _line.Write(segment.Span);
            }
            Consume(buffer, buffer.Length);
        }
        return TakeLine();
    }

    /// <summary>readline(size=-1): up to and including the next LF, at most size bytes.</summary>
    public nint ReadLine(long size)
    {
        _line.ResetWrittenCount();
        if (size == 0)
        {
            return TakeLine();
        }
        while (true)
        {
            if (!Next(out var buffer, out var completed))
            {
                return 0;
            }
            if (buffer.IsEmpty && completed)
            {
                break;
            }
            var room = size < 0 ? buffer.Length : Math.Min(buffer.Length, size - _line.WrittenCount);
            var candidate = buffer.Slice(0, room);
            var newline = candidate.PositionOf((byte)'\n');
            if (newline is { } at)
            {
                var line = candidate.Slice(0, buffer.GetPosition(1, at));
                Append(line);
                Consume(buffer, line.Length);
                break;
            }
            Append(candidate);
            Consume(buffer, candidate.Length);
            if (size >= 0 && _line.WrittenCount >= size)
            {
                break;
            }
        }
        return TakeLine();
    }

    /// <summary>readlines(hint=-1): lines until EOF, or until their total size reaches hint.</summary>
    public nint ReadLines(long hint)
    {
        var list = CApi.PyList_New(0);
        if (list == 0)
        {
            return 0;
        }
        long total = 0;
        while (true)
        {
            var line = ReadLine(-1);
            if (line == 0)
            {
                Py.DecRef(list);
                return 0;
            }
            var length = CApi.PyBytes_Size(line);
            if (length == 0)
            {
                Py.DecRef(line);
                break;
            }
            CApi.PyList_Append(list, line);
            Py.DecRef(line);
            total += length;
            if (hint > 0 && total >= hint)
            {
                break;
            }
        }
        return list;
    }

    private void Append(ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            _line.Write(segment.Span);
        }
    }

    private nint TakeLine()
    {
        var bytes = _line.WrittenSpan;
        nint result;
        fixed (byte* p = bytes)
        {
            result = CApi.PyBytes_FromStringAndSize(p, bytes.Length);
        }
        if (_line.Capacity > MaxRetainedLineBuffer)
        {
            _line = new ArrayBufferWriter<byte>();
        }
        return result;
    }

    /// <summary>
    /// Waits for body data (GIL released while waiting). False with OSError set when the body
    /// cannot be read: the client left, sent a malformed chunk, or exceeded the size limit.
    /// </summary>
    private bool Next(out ReadOnlySequence<byte> buffer, out bool completed)
    {
        buffer = default;
        completed = true;
        if (_eof)
        {
            return true;
        }
        if (requestReleased())
        {
            _eof = true;
            Py.SetError(CApi.ExcOSError, "could not read the request body: the request timed out");
            return false;
        }
        ReadResult result;
        try
        {
            var pending = Reader.ReadAsync();
            if (pending.IsCompletedSuccessfully)
            {
                result = pending.Result;
            }
            else
            {
                var stalled = false;
                using (GilReleased.Scope())
                {
                    var task = pending.AsTask();
                    if (ClientWait.Completes(task, stallLimit))
                    {
                        result = task.GetAwaiter().GetResult();
                    }
                    else
                    {
                        // Kestrel's minimum body rate is an average: after a fast start the client
                        // could stall for an hour while this thread, which the app needs, waits.
                        Reader.CancelPendingRead();
                        result = task.GetAwaiter().GetResult();
                        Reader.AdvanceTo(result.Buffer.Start);
                        stalled = true;
                    }
                }
                if (stalled)
                {
                    FailureStatus = StatusCodes.Status408RequestTimeout;
                    _eof = true;
                    Py.SetError(CApi.ExcOSError, $"could not read the request body: the client sent nothing for {stallLimit.TotalSeconds:0} s");
                    return false;
                }
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status400BadRequest && PeerClosed())
        {
            // Kestrel's "Unexpected end of request content": the connection ended (the client
            // closed it, or reset it after a close) before the body did.
            ClientLeft = true;
            _eof = true;
            Py.SetError(CApi.ExcOSError, $"could not read the request body: the client closed the connection before sending all of it ({e.Message})");
            return false;
        }
        catch (BadHttpRequestException e)
        {
            FailureStatus = e.StatusCode;
            _eof = true;
            Py.SetError(CApi.ExcOSError, $"could not read the request body: {e.Message}");
            return false;
        }
        catch (IOException e) when (e.InnerException is OverflowException)
        {
            // A chunk size too large for a long: Kestrel reports it as an I/O error, but the client
            // sent a malformed body rather than went away.
            FailureStatus = StatusCodes.Status400BadRequest;
            _eof = true;
            Py.SetError(CApi.ExcOSError, "could not read the request body: a chunk size is too large");
            return false;
        }
        catch (InvalidOperationException e)
        {
            // Kestrel checks trailer fields as it reaches them and throws this for a NUL, CR or LF
            // in one: a malformed body, not a client gone (that surfaces as I/O or cancellation).
            FailureStatus = StatusCodes.Status400BadRequest;
            _eof = true;
            Py.SetError(CApi.ExcOSError, $"could not read the request body: {e.Message}");
            return false;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            ClientLeft = true;
            _eof = true;
            Py.SetError(CApi.ExcOSError, $"could not read the request body: the client closed the connection ({e.Message})");
            return false;
        }
        buffer = result.Buffer;
        if (maxBodySize > 0 && _consumed + buffer.Length > maxBodySize)
        {
            Reader.AdvanceTo(buffer.Start);
            buffer = default;
            FailureStatus = StatusCodes.Status413PayloadTooLarge;
            LimitExceeded = true;
            _eof = true;
            Py.SetError(CApi.ExcOSError, $"could not read the request body: it is larger than --limit-request-body ({maxBodySize} bytes)");
            return false;
        }
        completed = result.IsCompleted || result.IsCanceled;
        if (buffer.IsEmpty && completed)
        {
            Reader.AdvanceTo(buffer.End);
            _eof = true;
            // The trailers of a chunked body are held to --limit-request-field_size as the headers are.
            if (FeatureLookup.Optional<IHttpRequestTrailersFeature>(_features) is { Available: true } trailers
                && HeaderFieldLimit.FirstOversized(trailers.Trailers, _maxTrailerLineBytes) is { } name)
            {
                FailureStatus = StatusCodes.Status431RequestHeaderFieldsTooLarge;
                Py.SetError(CApi.ExcOSError, $"could not read the request body: its trailer field {name} is longer than --limit-request-field_size ({_maxTrailerLineBytes} bytes)");
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Whether the client's side of the connection has ended (a FIN or a reset has arrived): its
    /// socket polls readable with nothing left to read, since Kestrel has taken every byte sent.
    /// A live client that sent a malformed body polls not readable (or readable with bytes
    /// waiting). Asked only after a body read failed; a connection whose transport offers no
    /// socket answers false, and the failure stays the client's malformed body.
    /// </summary>
    private bool PeerClosed()
    {
        if (_features[typeof(IConnectionSocketFeature)] is not IConnectionSocketFeature { Socket: { } socket })
        {
            return false;
        }
        try
        {
            return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            return true;
        }
    }
}
