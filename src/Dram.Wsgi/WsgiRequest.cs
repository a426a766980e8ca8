using System.Buffers;
using System.Runtime.InteropServices;
using Dram.Python;
using Dram.Python.Native;
using Dram.Wsgi.Logs;
using Dram.Wsgi.Hooks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;

namespace Dram.Wsgi;

/// <summary>
/// One Python thread's request slot: runs a request through the app (call, iterate, always
/// close) and turns what start_response, write() and the iterable produce into Kestrel's response.
/// Reused for every request the thread runs; the objects handed to Python (start_response, write,
/// wsgi.input) carry this slot's handle plus a generation number, so one kept past its request
/// raises instead of touching the next request.
/// </summary>
internal sealed unsafe partial class WsgiRequest
{
    /// <summary>
    /// The access log's status for a request whose client left before the response started, so no
    /// status was sent (nginx's "client closed request").
    /// </summary>
    private const int ClientClosedRequest = 499;

    private readonly WsgiRuntime _runtime;
    private readonly nint _app;
    private readonly ILogger _log;
    private readonly nint _handle;
    private readonly EnvironBuilder _environ;
    private readonly ResponseTextCache _strings = new();

    /// <summary>This thread's wsgi.input, start_response and write objects, reused (see <see cref="ForThisRequest"/>); the GIL guards them.</summary>
    private nint _input;
    private nint _startResponse;
    private nint _write;
    private readonly List<KeyValuePair<string, string>> _headers = [];
    private readonly AccessLog? _accessLog;

    /// <summary>The values of the access log's <c>%({KEY}e)s</c> fields for the running request; null when it has none.</summary>
    private readonly string?[]? _environValues;

    /// <summary>Per environ field, the keys to look it up by: as written, upper-cased, lower-cased (Gunicorn matches them ignoring case).</summary>
    private readonly nint[]? _environKeys;

    private long _receivedTimestamp;

    /// <summary>pre_request/post_request, or null (the usual case) when the config file defines neither.</summary>
    private readonly RequestHooks? _hooks;

    private IHttpRequestFeature _request = null!;
    private IHttpResponseFeature _response = null!;
    private IHttpResponseBodyFeature _body = null!;
    private IFeatureCollection _features = null!;

    /// <summary>
    /// Guards every use of Kestrel's request objects: the Python thread and the timeout watchdog
    /// both reach them, and whichever ends the request first (<see cref="_released"/>) hands the
    /// request back to Kestrel; the other then leaves Kestrel's objects alone.
    /// </summary>
    private readonly Lock _gate = new();
    private bool _released;

    /// <summary>Whether the Python thread, not the watchdog, hands the request that just ran back to Kestrel.</summary>
    private bool _handBack;
    private string _method = "";
    private string _path = "";
    private long _startedTimestamp;

    private bool _active;
    private bool _started;
    private bool _headersSent;
    private bool _bodyAllowed;
    private bool _isHead;
    private bool _aborted;
    private bool _clientGone;
    private bool _overflowLogged;
    private bool _iterating;
    private int _status;
    private string? _reason;
    private long _contentLength;
    private long _written;
    private bool _flushed;

    public WsgiRequest(WsgiRuntime runtime, nint app, ILogger log, HookRunner? hooks = null)
    {
        _runtime = runtime;
        _app = app;
        _log = log;
        _hooks = RequestHooks.For(hooks);
        _handle = GCHandle.ToIntPtr(GCHandle.Alloc(this));
        _environ = new EnvironBuilder(runtime);
        _deferredFlush = new DeferredFlush(this);
        Input = new RequestBodyReader(() => Released, runtime.Options.MaxRequestBodySize, runtime.Options.ClientStallLimit);
        _accessLog = runtime.Options.AccessLog;
        if (_accessLog is { EnvironKeys.Count: > 0 } accessLog)
        {
            _environValues = new string?[accessLog.EnvironKeys.Count];
            _environKeys = new nint[_environValues.Length * 3];
            for (var i = 0; i < _environValues.Length; i++)
            {
                var key = accessLog.EnvironKeys[i];
                _environKeys[i * 3] = Py.NewString(key);
                _environKeys[i * 3 + 1] = Py.NewString(key.ToUpperInvariant());
                _environKeys[i * 3 + 2] = Py.NewString(key.ToLowerInvariant());
            }
        }
    }

    /// <summary>Counts requests run in this slot; objects made for an earlier request see a different number.</summary>
    public long Generation { get; private set; }

    public RequestBodyReader Input { get; }

    internal WsgiRuntime Runtime => _runtime;

    /// <summary>The live request a Python-held object refers to, or null if that request has ended.</summary>
    public static WsgiRequest? FromObject(nint obj)
    {
        var handle = NativeType.Word0(obj);
        if (handle == 0)
        {
            return null;
        }
        var request = (WsgiRequest)GCHandle.FromIntPtr(handle).Target!;
        return request._active && request.Generation == NativeType.Word1(obj) ? request : null;
    }

    /// <summary>
    /// Runs one request that Kestrel handed over at <paramref name="receivedTimestamp"/> (set only
    /// when there is an access log); the GIL is held. Never throws for app or client faults.
    /// </summary>
    public void Run(IFeatureCollection features, long receivedTimestamp)
    {
        Bind(features);
        _receivedTimestamp = receivedTimestamp;
        nint environ = 0, startResponse = 0, result = 0, hookRequest = 0;
        try
        {
            if (Input.CutOffByClient(features))
            {
                // Called, the app would only meet a failing wsgi.input (Django answers it with an
                // UnreadablePostError traceback), and every request queued behind it would wait.
                _clientGone = true;
                WsgiLog.ClientLeftMidBody(_log, _method, _path, _request.Headers.ContentLength ?? 0);
                if (_environValues is not null)
                {
                    Array.Clear(_environValues);
                }
                return;
            }
            if (_hooks is not null)
            {
                hookRequest = _hooks.Before(_request);
            }
            var input = ForThisRequest(ref _input, _runtime.InputType);
            try
            {
                environ = _environ.Build(_request, features, input);
            }
            finally
            {
                Py.DecRef(input);
            }
            if (_environValues is not null)
            {
                // Kept in case the request times out, when the environ cannot be read again.
                ReadEnviron(environ);
            }
            startResponse = ForThisRequest(ref _startResponse, _runtime.StartResponseType);
            result = CallApp(environ, startResponse);
            if (result == 0)
            {
                AppFailed("the application raised");
            }
            else
            {
                SendResult(result);
            }
        }
        catch (PythonException e)
        {
            AppFailed(e);
        }
        catch (RequestRejectedException e)
        {
            WsgiLog.RequestRejected(_log, _method, _path, e.StatusCode, e.Message);
            // Like every request refused before the app, what the client sends next is not trusted.
            SendError(e.StatusCode, closeConnection: true);
        }
        finally
        {
            if (result != 0)
            {
                CloseResult(result);
                Py.DecRef(result);
            }
            Py.XDecRef(startResponse);
            if (_environValues is not null && environ != 0)
            {
                // As Gunicorn does, the log shows the environ as the app left it.
                ReadEnviron(environ);
            }
            Finish();
            if (hookRequest != 0)
            {
                RunPostRequest(hookRequest, environ);
                Py.DecRef(hookRequest);
            }
            Py.XDecRef(environ);
            if (_accessLog is not null)
            {
                LogAccess();
            }
            lock (_gate)
            {
                // Past this point the watchdog leaves the request alone (it is no longer active):
                // whether this thread hands it back to Kestrel is decided here.
                _active = false;
                _handBack = !_released;
                _released = true;
                _features = null!;
                _request = null!;
                _response = null!;
                _body = null!;
            }
        }
    }

    /// <summary>
    /// A new reference to this request's wsgi.input, start_response or write object. The one made
    /// for an earlier request is kept and stamped with this request's generation when nothing but
    /// this thread holds it any more, which spares an allocation, a deallocation and their calls
    /// between C# and Python on every request; one the app kept keeps its old generation (and so
    /// refuses to work) and a new one is made.
    /// </summary>
    private nint ForThisRequest(ref nint kept, NativeType type)
    {
        if (kept != 0 && Py.IsSoleReference(kept))
        {
            NativeType.SetWords(kept, _handle, Generation);
        }
        else
        {
            Py.XDecRef(kept);
            kept = type.New(_handle, Generation);
        }
        Py.IncRef(kept);
        return kept;
    }

    /// <summary>Queues the access log line of a request this thread still owns (the watchdog logs the ones it answers).</summary>
    private void LogAccess()
    {
        lock (_gate)
        {
            if (_released)
            {
                return;
            }
            var status = _headersSent ? _status : _clientGone ? ClientClosedRequest : StatusCodes.Status500InternalServerError;
            _accessLog!.Record(_features, status, _written, _receivedTimestamp, _environValues);
        }
    }

    /// <summary>Reads the access log's environ fields; the GIL is held.</summary>
    private void ReadEnviron(nint environ)
    {
        for (var i = 0; i < _environValues!.Length; i++)
        {
            string? text = null;
            for (var variant = 0; variant < 3 && text is null; variant++)
            {
                var value = CApi.PyDict_GetItemWithError(environ, _environKeys![i * 3 + variant]);
                if (value != 0)
                {
                    text = Py.ToStringOrNull(value) ?? Py.Describe(value);
                }
                else if (CApi.PyErr_Occurred() != 0)
                {
                    // A key's __eq__ raised while comparing: the value is unknown, not the request's error.
                    CApi.PyErr_Clear();
                }
            }
            _environValues[i] = text;
        }
    }

    /// <summary>post_request with what was sent: the watchdog's 504 when the request timed out.</summary>
    private void RunPostRequest(nint hookRequest, nint environ)
    {
        var status = Released ? StatusCodes.Status504GatewayTimeout : _started ? _status : StatusCodes.Status500InternalServerError;
        var reason = !Released && _started && _reason is not null ? _reason : ReasonPhrases.GetReasonPhrase(status);
        _hooks!.After(hookRequest, environ, status, reason, _headers, Released ? -1 : _contentLength, _written);
    }

    private void Bind(IFeatureCollection features)
    {
        _features = features;
        _request = FeatureLookup.Required<IHttpRequestFeature>(features);
        _method = _request.Method;
        _path = _request.Path;
        _response = FeatureLookup.Required<IHttpResponseFeature>(features);
        _body = FeatureLookup.Required<IHttpResponseBodyFeature>(features);
        Input.Bind(features, _request.Headers.ContentLength, _runtime.Options.MaxHeaderFieldSize);
        lock (_gate)
        {
            // A deferred flush still queued for the previous request sees the new generation and
            // leaves this one alone.
            Generation++;
            _released = false;
            _flushQueued = false;
            _flushInFlight = null;
            _deferredFlushFailed = false;
            _unflushed = 0;
        }
        _active = true;
        _started = false;
        _headersSent = false;
        _aborted = false;
        _clientGone = false;
        _overflowLogged = false;
        _iterating = false;
        _headers.Clear();
        _contentLength = -1;
        _written = 0;
        _flushed = false;
        _isHead = HttpMethods.IsHead(_method);
        // --timeout counts whole seconds: the clock's last tick (milliseconds since boot, never 0)
        // serves, read without the TSC, which costs a vDSO call per request more on a VM.
        Volatile.Write(ref _startedTimestamp, Environment.TickCount64);
    }

    /// <summary>When the running request started (<see cref="Environment.TickCount64"/>), or 0 when the slot is idle.</summary>
    internal long StartedTimestamp => Volatile.Read(ref _startedTimestamp);

    /// <summary>
    /// Called by the Python thread once Run returned: true when it still owns the request and must
    /// hand it back to Kestrel, false when the watchdog has done so already.
    /// </summary>
    internal bool Release()
    {
        Volatile.Write(ref _startedTimestamp, 0);
        return _handBack;
    }

    /// <summary>
    /// The watchdog's side of a timed-out request: answers 504 if nothing was sent yet, else closes
    /// the connection so the partial response cannot look complete. True when it took the request
    /// from the Python thread (the caller then hands it back to Kestrel).
    /// </summary>
    internal bool TimeOut()
    {
        lock (_gate)
        {
            if (_released || !_active)
            {
                return false;
            }
            _released = true;
            var answered = !_headersSent;
            long answerBytes = 0;
            try
            {
                if (!_headersSent)
                {
                    _headersSent = true;
                    _response.StatusCode = StatusCodes.Status504GatewayTimeout;
                    _response.Headers.Clear();
                    if (HttpProtocol.IsHttp11(_request.Protocol) || HttpProtocol.IsHttp10(_request.Protocol))
                    {
                        // HTTP/2 has no Connection header (Kestrel would drop it with a warning); its stream just ends.
                        _response.Headers.Connection = "close";
                    }
                    _response.Headers.ContentType = "text/plain; charset=utf-8";
                    var body = "Gateway Timeout\n"u8;
                    _response.Headers.ContentLength = body.Length;
                    var start = _body.StartAsync();
                    if (start.IsCompletedSuccessfully)
                    {
                        _body.Writer.Write(body);
                        answerBytes = body.Length;
                    }
                    else
                    {
                        FeatureLookup.Required<IHttpRequestLifetimeFeature>(_features).Abort();
                    }
                }
                else
                {
                    FeatureLookup.Required<IHttpRequestLifetimeFeature>(_features).Abort();
                }
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException or ArgumentException)
            {
                FeatureLookup.Required<IHttpRequestLifetimeFeature>(_features).Abort();
            }
            _accessLog?.Record(_features, answered ? StatusCodes.Status504GatewayTimeout : _status, answered ? answerBytes : _written,
                _receivedTimestamp, _environValues);
            return true;
        }
    }

    private nint CallApp(nint environ, nint startResponse)
    {
        if (CApi.PyObject_Vectorcall != null)
        {
            // No argument tuple to build and free; the spare slot lets a callable object's bound
            // __call__ (Flask's app, Django's handler) put self in front without copying.
            var slots = stackalloc nint[3];
            slots[1] = environ;
            slots[2] = startResponse;
            return CApi.PyObject_Vectorcall(_app, slots + 1, 2 | CApi.VectorcallArgumentsOffset, 0);
        }
        var args = Py.Check(CApi.PyTuple_New(2));
        Py.IncRef(environ);
        CApi.PyTuple_SetItem(args, 0, environ);
        Py.IncRef(startResponse);
        CApi.PyTuple_SetItem(args, 1, startResponse);
        var result = CApi.PyObject_Call(_app, args, 0);
        Py.DecRef(args);
        return result;
    }

    private void SendResult(nint result)
    {
        var type = CApi.TypeOf(result);
        if (type == CApi.ListType || type == CApi.TupleType)
        {
            SendSequence(result, type == CApi.ListType);
            return;
        }
        if (_runtime.FileWrapperType.IsInstance(result) && FileWrapper.TrySend(this, result))
        {
            return;
        }
        if (type == CApi.UnicodeType || type == CApi.BytesType)
        {
            // Iterable, but by character or by int: the app meant one chunk and left out the list.
            AppBrokeRule(type == CApi.UnicodeType
                ? "the application returned a str; a WSGI application returns an iterable of bytes: return [text.encode()] instead"
                : "the application returned bytes itself; a WSGI application returns an iterable of bytes: return [body] instead");
            return;
        }
        var iterator = CApi.PyObject_GetIter(result);
        if (iterator == 0)
        {
            if (result == CApi.None)
            {
                CApi.PyErr_Clear();
                AppBrokeRule("the application returned None; a WSGI application must return an iterable of bytes, such as [body] ([] for no body)");
            }
            else
            {
                // Not iterable, or its __iter__ raised: the Python error says which, with its traceback.
                AppFailed($"iter() on the application's response ({Py.TypeName(result)}) failed; a WSGI application must return an iterable of bytes");
            }
            return;
        }
        // Django's HttpResponse iterates over the list of chunks it made already: no app code runs
        // between them, so nothing is gained by sending each from the thread pool as it comes, and
        // the response goes out in one send at the end like a list's.
        var iteratorType = CApi.TypeOf(iterator);
        var flushEach = iteratorType != CApi.ListIteratorType && iteratorType != CApi.TupleIteratorType;
        _iterating = true;
        try
        {
            while (true)
            {
                var chunk = CApi.PyIter_Next(iterator);
                if (chunk == 0)
                {
                    if (CApi.PyErr_Occurred() != 0)
                    {
                        AppFailed("the response iterable raised");
                    }
                    return;
                }
                var keepGoing = WriteChunk(chunk, flushEach);
                Py.DecRef(chunk);
                if (!keepGoing)
                {
                    return;
                }
            }
        }
        finally
        {
            Py.DecRef(iterator);
        }
    }

    /// <summary>
    /// A list or tuple body is complete already: when every item is bytes and the app gave no
    /// Content-Length, its length is known and sent, so the response needs no chunked encoding.
    /// </summary>
    private void SendSequence(nint sequence, bool isList)
    {
        var count = isList ? Py.ListSize(sequence) : Py.TupleSize(sequence);
        if (_started && !_headersSent && _contentLength < 0)
        {
            long total = 0;
            var allBytes = true;
            for (nint i = 0; i < count; i++)
            {
                var item = isList ? Py.ListItem(sequence, i) : Py.TupleItem(sequence, i);
                if (CApi.TypeOf(item) != CApi.BytesType)
                {
                    allBytes = false;
                    break;
                }
                total += Py.BytesSize(item);
            }
            if (allBytes && _status is not (204 or 304) && _status >= 200)
            {
                _contentLength = total;
            }
        }
        for (nint i = 0; i < count; i++)
        {
            // Borrowed items can be freed by app code the write runs (a __del__, a GC pass); hold them.
            var item = isList ? Py.ListItem(sequence, i) : Py.TupleItem(sequence, i);
            if (item == 0)
            {
                CApi.PyErr_Clear();
                return;
            }
            Py.IncRef(item);
            var keepGoing = WriteChunk(item, flush: false);
            Py.DecRef(item);
            if (!keepGoing)
            {
                return;
            }
        }
    }

    private void CloseResult(nint result)
    {
        var type = CApi.TypeOf(result);
        if (type == CApi.ListType || type == CApi.TupleType)
        {
            return;
        }
        // A pending app error was reported already; close() runs with a clean error state.
        var close = CApi.PyObject_GetAttr(result, _runtime.Keys.Close);
        if (close == 0)
        {
            CApi.PyErr_Clear();
            return;
        }
        var closed = CApi.PyObject_CallNoArgs(close);
        Py.DecRef(close);
        if (closed == 0)
        {
            var error = Py.FetchError();
            WsgiLog.CloseError(_log, _method, _path, $"{error.TypeName}: {error.Message}", error.PythonTraceback);
            return;
        }
        Py.DecRef(closed);
    }

    private void Finish()
    {
        // A timed-out request was answered by the watchdog; its unwinding was reported already.
        if (_aborted || _clientGone || Released)
        {
            return;
        }
        if (!_started)
        {
            AppBrokeRule("the application returned without calling start_response(); call start_response(status, headers) before returning or while yielding the first chunk");
            return;
        }
        if (!_headersSent)
        {
            if (_contentLength < 0 && _status >= 200 && _status is not (204 or 304))
            {
                _contentLength = 0;
            }
            SendHeaders();
        }
        if (_bodyAllowed && _contentLength >= 0 && _written < _contentLength)
        {
            WsgiLog.BodyTooShort(_log, _method, _path, _written, _contentLength);
            Abort();
            return;
        }
        if (_bodyAllowed && _flushed)
        {
            // Kestrel pushes out what is still buffered when a response ends only if nothing was
            // flushed since the headers: a list body longer than one write slice would otherwise
            // leave its tail in the pipe until the keep-alive connection closes.
            Flush();
        }
    }

    internal string Method => _method;

    internal string Path => _path;

    /// <summary>True once the watchdog took the request away: Kestrel's objects must not be used.</summary>
    /// <remarks>Read without the lock: a locked read would be as stale a moment later.</remarks>
    internal bool Released => Volatile.Read(ref _released);

    internal bool Started => _started;

    internal bool HeadersSent => _headersSent;

    internal bool BodyAllowed => _bodyAllowed;

    internal long ContentLength
    {
        get => _contentLength;
        set => _contentLength = value;
    }

    internal long Written
    {
        get => _written;
        set => _written = value;
    }
}
