using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Http.Features;

namespace Dram.Wsgi;

/// <summary>Kestrel's entry point: every request is queued to the Python threads and awaited.</summary>
public sealed class WsgiHttpApplication(WsgiThreadPool pool, IRequestShortcut? shortcut = null) : IHttpApplication<PendingRequest>
{
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
        if (contextFeatures is IHostContextContainer<PendingRequest> container)
        {
            request = container.HostContext ??= new PendingRequest();
        }
        else
        {
            request = new PendingRequest();
        }
        request.Bind(contextFeatures);
        return request;
    }

    public Task ProcessRequestAsync(PendingRequest context)
    {
        if (_closeConnections)
        {
            context.Features.GetRequiredFeature<IHttpResponseFeature>().Headers.Connection = "close";
        }
        if (shortcut?.TryHandle(context.Features) is { } handled)
        {
            return handled;
        }
        pool.Enqueue(context);
        var completion = context.Completion;
        return completion.IsCompletedSuccessfully ? Task.CompletedTask : completion.AsTask();
    }

    public void DisposeContext(PendingRequest context, Exception? exception)
    {
        context.Unbind();
        if (Interlocked.Increment(ref _served) == _limit)
        {
            ThreadPool.QueueUserWorkItem(static reached => reached(), _limitReached!, preferLocal: false);
        }
    }
}
