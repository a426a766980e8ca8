using System.Diagnostics;

namespace Dram.Wsgi;

/// <summary>
/// Requests the Python thread has answered but not yet handed back to Kestrel, while more requests
/// wait in the queue: a busy single-threaded worker runs the app for the queued requests one after
/// another, then hands the whole batch back (Kestrel's response suffix, the flush and the send(2)
/// of each), instead of alternating between the two. Each phase then runs with its own code and
/// data still in the caches: on hello, one worker, that measured about 0.7 us less CPU a request
/// (bench/NOTES.md, "Answers handed back in batches").
/// </summary>
/// <remarks>
/// A response is held at most <see cref="Budget"/> after the batch's first one, never past an
/// empty queue, and only when the app answers quickly. An app that takes long on the request after
/// a held one cannot hold it longer than <see cref="StallMicroseconds"/>: the transport timer hands
/// the batch back from the I/O thread while the app runs. The timer is armed when a batch starts
/// and its expiry is less than half that away, so a busy worker moves it once every half
/// millisecond or so, not once a batch (about six requests on hello), and it never fires while
/// batches keep coming. Used by the Python thread of a one-thread pool only.
/// </remarks>
internal sealed class CompletionBatch
{
    private const int Capacity = 32;

    /// <summary>How long after the batch's first held response the last one may be added.</summary>
    private static readonly long Budget = Stopwatch.Frequency / 20_000;

    /// <summary>How long a response waits at most when the app stalls on the next request.</summary>
    internal const int StallMicroseconds = 1000;

    private static readonly long StallTicks = Stopwatch.Frequency * StallMicroseconds / 1_000_000;

    private Batch _batch = new();

    /// <summary>When the timer, as last armed, expires (a Stopwatch timestamp).</summary>
    private long _timerExpiry;

    /// <summary>When the request before was answered (a Stopwatch timestamp).</summary>
    private long _lastAnswered;

    /// <summary>The batch while the app runs with responses held; whoever swaps it out hands it back.</summary>
    private Batch? _exposed;

    private ITransportTimer? _timer;

    private sealed class Batch
    {
        public readonly PendingRequest[] Requests = new PendingRequest[Capacity];
        public int Count;
        public long Started;

        public void HandBack()
        {
            for (var i = 0; i < Count; i++)
            {
                Requests[i].Complete();
                Requests[i] = null!;
            }
            Count = 0;
        }
    }

    /// <summary>Sets the timer that hands a stalled batch back (<see cref="OnStall"/> is its callback).</summary>
    public void UseTimer(ITransportTimer timer) => Volatile.Write(ref _timer, timer);

    /// <summary>
    /// Holds <paramref name="request"/> for the batch and returns true, or returns false and leaves
    /// it to the caller to hand back with <see cref="HandBack(PendingRequest)"/>. Held while
    /// <paramref name="moreQueued"/>, the request came within <see cref="Budget"/> of the one before
    /// (a slow app's answers are never held: the next request would likely be as slow), and the
    /// batch is neither full nor older than the budget. Runs no Kestrel code, so the caller may
    /// still hold the GIL.
    /// </summary>
    public bool TryHold(PendingRequest request, bool moreQueued)
    {
        var now = Stopwatch.GetTimestamp();
        var quick = now - _lastAnswered <= Budget;
        _lastAnswered = now;
        var batch = _batch;
        if (!moreQueued || !quick || Volatile.Read(ref _timer) is not { } timer || batch.Count == Capacity)
        {
            return false;
        }
        if (batch.Count == 0)
        {
            batch.Started = now;
            if (_timerExpiry - now < StallTicks / 2)
            {
                timer.Arm(StallMicroseconds);
                _timerExpiry = now + StallTicks;
            }
        }
        else if (now - batch.Started > Budget)
        {
            return false;
        }
        batch.Requests[batch.Count++] = request;
        return true;
    }

    /// <summary>Hands the held requests back, then <paramref name="request"/>, which was not held.</summary>
    public void HandBack(PendingRequest request)
    {
        _batch.HandBack();
        request.Complete();
    }

    /// <summary>Hands the held requests back (the queue is empty, or the thread is leaving).</summary>
    public void HandBack() => _batch.HandBack();

    /// <summary>Before the app runs: lets the timer take the held requests should the app stall.</summary>
    public bool Expose()
    {
        if (_batch.Count == 0)
        {
            return false;
        }
        Volatile.Write(ref _exposed, _batch);
        return true;
    }

    /// <summary>After the app ran: takes the held requests back, unless the timer handed them back already.</summary>
    public void Reclaim(bool exposed)
    {
        if (exposed && Interlocked.Exchange(ref _exposed, null) is null)
        {
            // The I/O thread owns the old batch until it has handed every request back.
            _batch = new Batch();
        }
    }

    /// <summary>
    /// The timer's callback, on the I/O thread: hands back a batch held across a running app. When
    /// it fires between two requests (nothing exposed) with answers held, it looks again a stall
    /// later: the thread may be about to run a slow request with them, and a batch armed no timer
    /// of its own when one was already pending.
    /// </summary>
    public void OnStall()
    {
        if (Interlocked.Exchange(ref _exposed, null) is { } batch)
        {
            batch.HandBack();
        }
        else if (Volatile.Read(ref Volatile.Read(ref _batch).Count) > 0)
        {
            Volatile.Read(ref _timer)?.Arm(StallMicroseconds);
        }
    }
}
