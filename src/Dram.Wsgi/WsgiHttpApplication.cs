using System.Diagnostics;
using Dram.Wsgi.Logs;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Dram.Wsgi;

/// <summary>
/// Kestrel's entry point: every request is queued to the Python threads and awaited. A request
/// whose Content-Length exceeds <paramref name="maxRequestBodySize"/> (<c>--limit-request-body</c>;
/// 0: no limit) is answered 413 here, before the app or a static file is involved; a chunked body
/// is held to it as wsgi.input reads it.
/// </summary>
public sealed class WsgiHttpApplication(WsgiThreadPool pool, IRequestShortcut? shortcut = null, RequestMetrics? metrics = null, AccessLog? accessLog = null, long maxRequestBodySize = 0) : IHttpApplication<PendingRequest>
{
    private readonly bool _timed = metrics is not null || accessLog is not null;
    private long _served;
    private long _limit = long.MaxValue;
    private Action? _limitReached;
    private volatile bool _closeConnections;

    /// <summary>Calls <paramref name="reached"/> (on the thread pool) as the <paramref name="limit"/>th request ends.</summary>
    public void OnRequestLimit(long limit, Action reached)
    {
        _limitReached = reached;
        _limit = limit;
    }

    /// <summary>
    /// From now on every response carries <c>Connection: close</c>, so keep-alive connections end
    /// after their next answer (a worker draining before it stops).
    /// </summary>
    public void CloseConnectionsAfterResponses() => _closeConnections = true;

    /// <summary>Requests answered so far (for --max-requests).</summary>
    public long Served => Interlocked.Read(ref _served);

    public PendingRequest CreateContext(IFeatureCollection contextFeatures)
    {
        PendingRequest request;
        if (FeatureLookup.As<IHostContextContainer<PendingRequest>>(contextFeatures) is { } container)
        {
            request = container.HostContext ??= new PendingRequest();
        }
        else
        {
            request = new PendingRequest();
        }
        request.Bind(contextFeatures);
        if (_timed)
        {
            request.ReceivedTimestamp = Stopwatch.GetTimestamp();
        }
        metrics?.Begin(request);
        return request;
    }

    public Task ProcessRequestAsync(PendingRequest context)
    {
        if (maxRequestBodySize > 0
            && FeatureLookup.Required<IHttpRequestFeature>(context.Features).Headers.ContentLength > maxRequestBodySize)
        {
            return PlainResponse.SendAsync(context.Features, StatusCodes.Status413PayloadTooLarge, closeConnection: true);
        }
        if (_closeConnections)
        {
            FeatureLookup.Required<IHttpResponseFeature>(context.Features).Headers.Connection = "close";
        }
        if (shortcut?.TryHandle(context.Features) is { } handled)
        {
            return accessLog is null ? handled : LogShortcutAsync(handled, context.Features, context.ReceivedTimestamp, accessLog);
        }
        var answered = context.Expect();
        pool.Enqueue(context);
        return answered;
    }

    public void DisposeContext(PendingRequest context, Exception? exception)
    {
        metrics?.End(context);
        context.Unbind();
        if (Interlocked.Increment(ref _served) == _limit)
        {
            ThreadPool.QueueUserWorkItem(static reached => reached(), _limitReached!, preferLocal: false);
        }
    }

    /// <summary>The access log line of a request answered without Python (a static file), once it is answered.</summary>
    private static async Task LogShortcutAsync(Task handled, IFeatureCollection features, long received, AccessLog log)
    {
        var response = FeatureLookup.Required<IHttpResponseFeature>(features);
        try
        {
            await handled;
        }
        catch
        {
            // Kestrel answers 500 when nothing was sent yet, else it closes the connection.
            log.Record(features, response.HasStarted ? response.StatusCode : StatusCodes.Status500InternalServerError, 0, received, null);
            throw;
        }
        log.Record(features, response.StatusCode, ShortcutBodyBytes(features, response), received, null);
    }

    /// <summary>The body length a shortcut response declared (static files always declare one); none for HEAD, 204, 304.</summary>
    private static long ShortcutBodyBytes(IFeatureCollection features, IHttpResponseFeature response)
    {
        if (HttpMethods.IsHead(FeatureLookup.Required<IHttpRequestFeature>(features).Method) || response.StatusCode is < 200 or 204 or 304)
        {
            return 0;
        }
        return response.Headers.ContentLength ?? 0;
    }
}
