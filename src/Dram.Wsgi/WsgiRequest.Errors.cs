using Dram.Python;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;

namespace Dram.Wsgi;

// How a request ends when the app fails or breaks a WSGI rule: an error response, or a closed
// connection once the headers are out.
internal sealed unsafe partial class WsgiRequest
{
    private void AppFailed(string reason)
    {
        AppFailed(Py.FetchError(), reason);
    }

    private void AppFailed(PythonException error, string? reason = null)
    {
        var summary = reason is null ? $"{error.TypeName}: {error.Message}" : $"{reason}: {error.TypeName}: {error.Message}";
        if (Released)
        {
            // The watchdog answered this request already; this is its thread unwinding.
            WsgiLog.TimedOutUnwound(_log, _method, _path, error.TypeName);
            return;
        }
        if (_aborted || _clientGone)
        {
            return;
        }
        if (_headersSent)
        {
            WsgiLog.AppErrorAfterHeaders(_log, _method, _path, summary, error.PythonTraceback);
            Abort();
            return;
        }
        WsgiLog.AppError(_log, _method, _path, summary, error.PythonTraceback);
        SendError(Input.FailureStatus ?? StatusCodes.Status500InternalServerError);
    }

    /// <summary>
    /// A WSGI rule Dram checks itself was broken (no Python exception, so no traceback): the log
    /// names the rule and what to do, then the request ends like any app error.
    /// </summary>
    private void AppBrokeRule(string rule)
    {
        if (Released)
        {
            WsgiLog.TimedOutUnwound(_log, _method, _path, "a WSGI rule broken while unwinding");
            return;
        }
        if (_aborted || _clientGone)
        {
            return;
        }
        if (_headersSent)
        {
            WsgiLog.AppRuleBrokenAfterHeaders(_log, _method, _path, rule);
            Abort();
            return;
        }
        WsgiLog.AppRuleBroken(_log, _method, _path, rule);
        SendError(StatusCodes.Status500InternalServerError);
    }

    private void SendError(int status, bool closeConnection = false)
    {
        if (Input.ClientLeft || FeatureLookup.Required<IHttpRequestLifetimeFeature>(_features).RequestAborted.IsCancellationRequested)
        {
            // The client left (a body read found the connection closed): there is no one to answer,
            // and Kestrel's output is already closed.
            ClientWentAway();
            return;
        }
        _headers.Clear();
        _started = true;
        _status = status;
        _reason = null;
        var body = ReasonPhrases.GetReasonPhrase(status) + "\n";
        _headers.Add(new("Content-Type", "text/plain; charset=utf-8"));
        if (closeConnection || Input.FailureStatus is not null)
        {
            // The body could not be read to its end: what follows on the connection is not a request.
            _headers.Add(new("Connection", "close"));
        }
        _contentLength = body.Length;
        lock (_gate)
        {
            if (_released)
            {
                return;
            }
            _response.Headers.Clear();
        }
        SendHeaders();
        if (_bodyAllowed)
        {
            Span<byte> bytes = stackalloc byte[body.Length];
            for (var i = 0; i < body.Length; i++)
            {
                bytes[i] = (byte)body[i];
            }
            WriteSlices(bytes, flush: false);
        }
    }

    /// <summary>
    /// Closes the connection to show the response is incomplete. What the app produced is flushed
    /// first: list items are written without flushing, and aborting drops unflushed output, so
    /// the client would otherwise get no bytes at all instead of the partial response.
    /// </summary>
    private void Abort()
    {
        if (_headersSent && !_clientGone)
        {
            Flush();
        }
        _aborted = true;
        lock (_gate)
        {
            if (!_released)
            {
                FeatureLookup.Required<IHttpRequestLifetimeFeature>(_features).Abort();
            }
        }
    }
}
