namespace Dram.Wsgi;

/// <summary>
/// The thread-pool work item that pushes a streamed response's buffered chunks to the socket while
/// the app produces the next ones. PEP 3333 lets a server hold a block back only if transmission
/// goes on while the app works; sending from the thread pool does that, and chunks written before
/// it runs go out in one send instead of one each (on a busy core the pool thread runs when the
/// Python thread waits, or at the next scheduler tick: see <see cref="CpuScheduling"/>).
/// </summary>
internal sealed class DeferredFlush(WsgiRequest request) : IThreadPoolWorkItem
{
    private long _generation;

    /// <summary>Queues a flush of the request numbered <paramref name="generation"/>.</summary>
    public void Queue(long generation)
    {
        Volatile.Write(ref _generation, generation);
        Requeue();
    }

    /// <summary>Queues the flush again, for the same request (after an earlier flush finished).</summary>
    public void Requeue() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

    public void Execute() => request.RunDeferredFlush(Volatile.Read(ref _generation));
}
