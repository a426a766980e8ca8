using System.Threading.Tasks.Sources;

namespace Dram.Transport;

/// <summary>
/// One direction of a connection's readiness (readable or writable), as edge-triggered epoll reports
/// it, awaited by the one loop that receives (or sends). The loop clears the signal, tries the
/// system call, and waits only if the call came up short: an edge that arrives after the clear,
/// during the call or after it, is kept and ends the wait at once, so no readiness is missed and
/// no call is made just to learn that nothing is there.
/// </summary>
/// <remarks>
/// The waiting loop resumes inline on the thread that sets the signal (the event loop's), as
/// Kestrel's socket transport resumes with inline scheduling.
/// </remarks>
internal sealed class ReadinessSignal : IValueTaskSource
{
    private const int Idle = 0;
    private const int Signaled = 1;
    private const int Waiting = 2;

    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = false };
    private int _state;

    /// <summary>Forgets an edge already seen: the caller is about to make the system call that consumes it.</summary>
    public void Clear() => Interlocked.CompareExchange(ref _state, Idle, Signaled);

    /// <summary>An edge from epoll (or the connection ending); resumes the waiting loop, here and now.</summary>
    public void Set()
    {
        if (Interlocked.Exchange(ref _state, Signaled) == Waiting)
        {
            Volatile.Write(ref _state, Idle);
            _core.SetResult(true);
        }
    }

    /// <summary>Completes when an edge has arrived since the last <see cref="Clear"/>; at once if one already has.</summary>
    public ValueTask WaitAsync()
    {
        _core.Reset();
        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) == Idle)
        {
            return new ValueTask(this, _core.Version);
        }
        Volatile.Write(ref _state, Idle);
        return ValueTask.CompletedTask;
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
