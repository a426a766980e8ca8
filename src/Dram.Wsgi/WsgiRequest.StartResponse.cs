using System.Runtime.InteropServices;
using Dram.Python;
using Dram.Python.Native;
using Microsoft.Extensions.Primitives;

namespace Dram.Wsgi;

// start_response() and write(): the response's status and headers, checked as the app gives them
// and sent with the first body byte.
internal sealed unsafe partial class WsgiRequest
{
    /// <summary>Set once the first write() from inside a response iterable was reported: one warning per worker, not per request.</summary>
    private static int s_writeInIterableReported;

    /// <summary>
    /// start_response(status, headers, exc_info=None), called through vectorcall:
    /// <paramref name="argc"/> positional arguments at <paramref name="args"/>, then one value for
    /// each name in <paramref name="kwnames"/> (a tuple, or 0).
    /// </summary>
    internal nint StartResponse(nint* args, nint argc, nint kwnames)
    {
        nint status = argc > 0 ? args[0] : 0;
        nint headers = argc > 1 ? args[1] : 0;
        nint excInfo = argc > 2 ? args[2] : 0;
        if (kwnames != 0)
        {
            var count = Py.TupleSize(kwnames);
            for (nint i = 0; i < count; i++)
            {
                var name = Py.TupleItem(kwnames, i);
                if (name != _runtime.Keys.ExcInfo && CApi.PyUnicode_Compare(name, _runtime.Keys.ExcInfo) != 0)
                {
                    CApi.PyErr_Clear();
                    Py.SetError(CApi.ExcTypeError, "start_response() accepts only the keyword argument exc_info");
                    return 0;
                }
                excInfo = args[argc + i];
            }
        }
        return StartResponse(argc, status, headers, excInfo);
    }

    /// <summary>Validates the arguments now; the status and headers are sent with the first body byte.</summary>
    private nint StartResponse(nint argc, nint status, nint headers, nint excInfo)
    {
        if (argc < 2 || argc > 3 || status == 0 || headers == 0)
        {
            Py.SetError(CApi.ExcTypeError, "start_response() takes (status, response_headers, exc_info=None)");
            return 0;
        }

        if (excInfo != 0 && excInfo != CApi.None)
        {
            if (_headersSent)
            {
                // PEP 3333: with the headers already sent, the error cannot be reported to the
                // client; re-raise it into the app.
                return ResponseHead.Reraise(excInfo);
            }
        }
        else if (_started)
        {
            Py.SetError(CApi.ExcAssertionError, "start_response() was called a second time without exc_info (PEP 3333)");
            return 0;
        }

        if (!ResponseHead.ParseStatus(status, _strings, out var code, out var reason))
        {
            return 0;
        }
        _headers.Clear();
        if (!ResponseHead.ParseHeaders(headers, _strings, _headers, out var contentLength))
        {
            return 0;
        }
        _started = true;
        _status = code;
        _reason = reason;
        _contentLength = contentLength;
        return ForThisRequest(ref _write, _runtime.WriteType);
    }

    /// <summary>The write() callable start_response returns (PEP 3333's imperative API).</summary>
    internal nint Write(nint data)
    {
        if (!_started)
        {
            Py.SetError(CApi.ExcAssertionError, "write() was called before start_response()");
            return 0;
        }
        if (CApi.TypeOf(data) != CApi.BytesType && CApi.PyObject_IsInstance(data, CApi.BytesType) != 1)
        {
            CApi.PyErr_Clear();
            Py.SetError(CApi.ExcTypeError, $"write() takes bytes, got {Py.TypeName(data)}");
            return 0;
        }
        if (_iterating && Interlocked.Exchange(ref s_writeInIterableReported, 1) == 0)
        {
            // PEP 3333 forbids it, but the bytes still go out in call order, as other servers send
            // them: the app keeps working and is told once.
            WsgiLog.WriteInsideIterable(_log, _method, _path);
        }
        var bytes = Py.BytesSpan(data);
        if (bytes.Length > 0 && !WriteBody(bytes, flush: true) && _clientGone)
        {
            Py.SetError(CApi.ExcOSError, "write() failed: the client closed the connection");
            return 0;
        }
        return Py.NewRef(CApi.None);
    }

    private void SendHeaders()
    {
        Task start;
        lock (_gate)
        {
            if (_released)
            {
                _headersSent = true;
                _bodyAllowed = false;
                return;
            }
            start = StartResponse();
        }
        if (!start.IsCompletedSuccessfully)
        {
            using (GilReleased.Scope())
            {
                start.GetAwaiter().GetResult();
            }
        }
    }

    private Task StartResponse()
    {
        _headersSent = true;
        _bodyAllowed = !_isHead && _status >= 200 && _status is not (204 or 304);
        _response.StatusCode = _status;
        if (_reason is not null)
        {
            _response.ReasonPhrase = _reason;
        }
        var headers = _response.Headers;
        foreach (var (name, value) in CollectionsMarshal.AsSpan(_headers))
        {
            if (headers.TryGetValue(name, out var existing))
            {
                headers[name] = StringValues.Concat(existing, value);
            }
            else
            {
                headers[name] = value;
            }
        }
        if (_contentLength >= 0 && _status is not (204 or 304))
        {
            headers.ContentLength = _contentLength;
        }
        if (Input.LimitExceeded)
        {
            headers.Connection = "close";
        }
        // Kestrel's body writer hands out buffers only once the response has started.
        return _body.StartAsync();
    }

    internal void EnsureHeadersSent()
    {
        if (!_headersSent)
        {
            SendHeaders();
        }
    }
}
