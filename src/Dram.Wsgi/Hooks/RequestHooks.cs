using Dram.Python;
using Dram.Python.Native;
using Microsoft.AspNetCore.Http.Features;

namespace Dram.Wsgi.Hooks;

/// <summary>
/// pre_request and post_request, run on the request's Python thread. A request slot holds one
/// only when the config file defines either hook, so requests pay nothing otherwise.
/// </summary>
internal sealed unsafe class RequestHooks
{
    private readonly HookRunner _runner;
    private readonly bool _post;

    private RequestHooks(HookRunner runner)
    {
        _runner = runner;
        _post = runner.Defines(ServerHooks.PostRequest);
    }

    /// <summary>The request hooks of <paramref name="runner"/>, or null when it defines neither.</summary>
    public static RequestHooks? For(HookRunner? runner) =>
        runner is not null && (runner.Defines(ServerHooks.PreRequest) || runner.Defines(ServerHooks.PostRequest)) ? new RequestHooks(runner) : null;

    /// <summary>Makes the <c>req</c> object (new reference, 0 if that failed) and runs pre_request. The GIL is held.</summary>
    public nint Before(IHttpRequestFeature request)
    {
        nint req;
        var headers = Py.Check(CApi.PyList_New(0));
        try
        {
            foreach (var (name, values) in request.Headers)
            {
                // As Gunicorn gives them: upper-case names, one entry per value.
                var upper = name.ToUpperInvariant();
                foreach (var value in values)
                {
                    AppendPair(headers, upper, value ?? "");
                }
            }
            var protocol = request.Protocol;
            var (major, minor) = protocol.Length == 8 && protocol.StartsWith("HTTP/", StringComparison.Ordinal)
                ? (protocol[5] - '0', protocol[7] - '0')
                : (1, 1);
            req = _runner.NewRequest(request.Method, request.RawTarget, major, minor, headers);
        }
        catch (PythonException)
        {
            return 0;
        }
        finally
        {
            Py.DecRef(headers);
        }
        _runner.Call(ServerHooks.PreRequest, _runner.Worker, req);
        return req;
    }

    /// <summary>
    /// Runs post_request once the response is over; <paramref name="contentLength"/> (or -1) is listed
    /// with the app's headers, as it was sent. The GIL is held.
    /// </summary>
    public void After(nint req, nint environ, int status, string reason, List<KeyValuePair<string, string>> responseHeaders,
        long contentLength, long sent)
    {
        if (!_post)
        {
            return;
        }
        var headers = Py.Check(CApi.PyList_New(0));
        nint resp;
        try
        {
            foreach (var (name, value) in responseHeaders)
            {
                AppendPair(headers, name, value);
            }
            if (contentLength >= 0 && status is not (204 or 304))
            {
                AppendPair(headers, "Content-Length", contentLength.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            resp = _runner.NewResponse($"{status} {reason}", status, headers, sent);
        }
        catch (PythonException)
        {
            return;
        }
        finally
        {
            Py.DecRef(headers);
        }
        _runner.Call(ServerHooks.PostRequest, _runner.Worker, req, environ == 0 ? CApi.None : environ, resp);
        Py.DecRef(resp);
    }

    private static void AppendPair(nint list, string first, string second)
    {
        var pair = Py.Check(CApi.PyTuple_New(2));
        CApi.PyTuple_SetItem(pair, 0, Py.NewString(first));
        CApi.PyTuple_SetItem(pair, 1, Py.NewString(second));
        CApi.PyList_Append(list, pair);
        Py.DecRef(pair);
    }
}
