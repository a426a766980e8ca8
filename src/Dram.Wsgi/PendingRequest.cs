using Microsoft.AspNetCore.Http.Features;

namespace Dram.Wsgi;

/// <summary>
/// A request handed from Kestrel to a Python thread, and the task Kestrel awaits until the Python
/// thread (or the watchdog) has answered it. Reused: one per Kestrel connection context.
/// </summary>
/// <remarks>
/// Kestrel awaits a <see cref="Task"/>, so the completion is a task of its own, one a request. A
/// reusable <c>IValueTaskSource</c> handed to Kestrel as <c>ValueTask.AsTask()</c> allocates a
/// wrapper task all the same and adds a callback between the answer and Kestrel's continuation
/// (about 0.1 us a hello request under perf, bench/NOTES.md).
/// </remarks>
public sealed class PendingRequest
{
    private TaskCompletionSource? _completion;

    public IFeatureCollection Features { get; private set; } = null!;

    /// <summary>When Kestrel handed the request over (Stopwatch ticks); set only when metrics or an access log need it.</summary>
    internal long ReceivedTimestamp;

    /// <summary>Body bytes the Python thread sent, or -1 when it did not answer (a static file, a timeout).</summary>
    internal long ResponseBodyBytes;

    internal void Bind(IFeatureCollection features)
    {
        Features = features;
        ResponseBodyBytes = -1;
    }

    internal void Unbind()
    {
        Features = null!;
        _completion = null;
    }

    /// <summary>
    /// The task Kestrel awaits; made before the request is queued, since a Python thread may
    /// answer it before the caller returns.
    /// </summary>
    internal Task Expect()
    {
        var completion = new TaskCompletionSource();
        _completion = completion;
        return completion.Task;
    }

    /// <summary>
    /// Resumes Kestrel. Its continuation (finishing the response, reading the next request of a
    /// keep-alive connection) runs right here on the Python thread, GIL released: handing it back to
    /// another thread would add a second thread switch to every request.
    /// </summary>
    internal void Complete() => _completion!.SetResult();
}
