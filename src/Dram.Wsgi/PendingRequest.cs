using System.Threading.Tasks.Sources;
using Microsoft.AspNetCore.Http.Features;

namespace Dram.Wsgi;

/// <summary>
/// A request handed from Kestrel to a Python thread; Kestrel awaits it as a <see cref="ValueTask"/>
/// without allocating. Reused: one per Kestrel connection context.
/// </summary>
public sealed class PendingRequest : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core;

    public IFeatureCollection Features { get; private set; } = null!;

    /// <summary>When Kestrel handed the request over (Stopwatch ticks); set only when metrics or an access log need it.</summary>
    internal long ReceivedTimestamp;

    /// <summary>Body bytes the Python thread sent, or -1 when it did not answer (a static file, a timeout).</summary>
    internal long ResponseBodyBytes;

    internal void Bind(IFeatureCollection features)
    {
        Features = features;
        ResponseBodyBytes = -1;
        _core.Reset();
    }

    internal void Unbind() => Features = null!;

    internal ValueTask Completion => new(this, _core.Version);

    /// <summary>
    /// Resumes Kestrel. Its continuation (finishing the response, reading the next request of a
    /// keep-alive connection) runs right here on the Python thread, GIL released: handing it back to
    /// another thread would add a second thread switch to every request.
    /// </summary>
    internal void Complete() => _core.SetResult(true);

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
