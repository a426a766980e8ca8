using System.Collections.Concurrent;
using Dram.Python;
using Dram.Wsgi.Hooks;
using Microsoft.Extensions.Logging;

namespace Dram.Wsgi;

/// <summary>
/// The OS threads that run the app (<c>--threads</c>). Python never runs on Kestrel's socket
/// threads: an app that blocks (a database call, <c>time.sleep</c>) would stall every connection
/// served by that thread, and a request waiting for its own body or for a flush would wait on the
/// very thread that has to deliver it. The hand-off has a price: on one core (wrk -c32, hello)
/// running the app inline on the socket thread measured 24-27 us of CPU per request against
/// 32-35 us through this pool, the difference being the two threads taking turns on the core
/// (about 0.4 context switches per request against 0.02). bench/NOTES.md has the figures and the
/// design that would remove that cost without the stall. Each Python thread owns its thread state
/// for life and holds the GIL only while Python runs (and, with one thread, across the few steps
/// from a quick request whose answer it holds to the queued one it runs next); requests arrive
/// through one FIFO queue, so a thread that finishes a request takes the next one without
/// sleeping when the server is busy. With several threads, one that ends a request lets a thread
/// waiting for the GIL take it before asking again (<see cref="GilTurns"/>).
/// With one Python thread, the thread that finds the queue empty first runs the socket events that
/// are ready (GIL released): under load it then reads, parses and answers the next requests
/// itself, and the I/O thread, which still waits for every event, is left with what arrives while
/// the app runs; it also holds a quick app's answers while more requests are queued and hands them
/// back to Kestrel together (<see cref="CompletionBatch"/>).
/// </summary>
public sealed class WsgiThreadPool
{
    private readonly ConcurrentQueue<PendingRequest> _queue = new();

    /// <summary>Where a Python thread with nothing to do sleeps; released only for a parked thread.</summary>
    private readonly SemaphoreSlim _wake = new(0);

    /// <summary>Python threads parked (or about to park) on <see cref="_wake"/> that no enqueue has woken yet.</summary>
    private int _parked;
    private readonly WsgiRuntime _runtime;
    private readonly nint _app;
    private readonly ILogger _log;
    private readonly Thread[] _threads;
    private readonly Slot[] _slots;
    private readonly CountdownEvent _attached;
    private readonly RequestWatchdog? _watchdog;
    private readonly HookRunner? _hooks;
    private volatile bool _stopping;

    /// <summary>
    /// Creates the pool; the GIL must be held (the watchdog loads its Python helpers). With
    /// <paramref name="hooks"/>, requests run pre_request/post_request and a timeout runs worker_abort.
    /// </summary>
    public WsgiThreadPool(WsgiRuntime runtime, nint app, int threads, TimeSpan requestTimeout, ILogger log, Action<string> requestRecycle,
        HookRunner? hooks = null)
    {
        _runtime = runtime;
        _hooks = hooks;
        _app = app;
        _log = log;
        _threads = new Thread[threads];
        _runsReadyEvents = threads == 1;
        _completions = threads == 1 ? new CompletionBatch() : null;
        if (threads > 1)
        {
            GilTurns.Enable();
        }
        _slots = new Slot[threads];
        _attached = new CountdownEvent(threads);
        if (requestTimeout > TimeSpan.Zero)
        {
            _watchdog = new RequestWatchdog(_slots, requestTimeout, log, requestRecycle, hooks);
            _watchdog.Prepare();
        }
    }

    /// <summary>One Python thread's request slot, as the watchdog sees it.</summary>
    internal sealed class Slot(WsgiRequest request, ulong ident)
    {
        public WsgiRequest Request { get; } = request;

        /// <summary>The Python thread id, for injecting an exception into it.</summary>
        public ulong Ident { get; } = ident;

        public volatile PendingRequest? Current;

        public long TimedOutGeneration;

        public DateTime TimedOutAt;
    }

    /// <summary>Starts the threads; the caller must not hold the GIL.</summary>
    public void Start()
    {
        for (var i = 0; i < _threads.Length; i++)
        {
            var index = i;
            var thread = new Thread(() => Run(index))
            {
                Name = $"dram-python-{i + 1}",
                IsBackground = true,
            };
            _threads[i] = thread;
            thread.Start();
        }
        _attached.Wait();
        _watchdog?.Start();
    }

    /// <summary>
    /// The transport's ready socket events, which a thread with nothing queued runs before it
    /// sleeps; null until the transport exists.
    /// </summary>
    public IReadySocketEvents? ReadySocketEvents
    {
        get => Volatile.Read(ref _readySocketEvents);
        set
        {
            if (value is not null && _completions is not null)
            {
                _completions.UseTimer(value.CreateTimer(_completions.OnStall));
            }
            Volatile.Write(ref _readySocketEvents, value);
        }
    }

    private IReadySocketEvents? _readySocketEvents;

    /// <summary>
    /// Only a single Python thread runs the ready events. With eight, hello's p99 went from 2-4 ms
    /// to 21-34 ms (bench/NOTES.md): idle threads running events took turns on the core with the
    /// threads running the app.
    /// </summary>
    private readonly bool _runsReadyEvents;

    /// <summary>
    /// Answers held back while more requests are queued, so that the app's runs and Kestrel's
    /// sends each come in a batch; a single Python thread only, as with the ready events (with
    /// several, a held answer would wait on a thread other threads could have overtaken).
    /// </summary>
    private readonly CompletionBatch? _completions;

    /// <summary>Python threads serving requests (<c>--threads</c>).</summary>
    public int ThreadCount => _threads.Length;

    /// <summary>Python threads running a request right now.</summary>
    public int BusyThreads
    {
        get
        {
            var busy = 0;
            foreach (var slot in _slots)
            {
                if (slot?.Current is not null)
                {
                    busy++;
                }
            }
            return busy;
        }
    }

    /// <summary>Requests waiting for a free Python thread.</summary>
    public int QueuedRequests => _queue.Count;

    /// <summary>Requests answered 504 by <c>--timeout</c> since the worker started.</summary>
    public long RequestsTimedOut => _watchdog?.TimedOut ?? 0;

    /// <remarks>
    /// A busy server hands a request over without a lock: a Python thread finishing a request
    /// takes the next from the queue itself, and only a parked thread needs waking. The fence pairs
    /// with the one in <see cref="Take"/>: either this sees the thread parked or the thread sees
    /// the request.
    /// </remarks>
    public void Enqueue(PendingRequest request)
    {
        _queue.Enqueue(request);
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _parked) > 0)
        {
            WakeOne();
        }
    }

    private void WakeOne()
    {
        if (TryCountOneUnparked())
        {
            _wake.Release();
        }
    }

    /// <summary>Takes one thread off the parked count, unless it is zero already.</summary>
    private bool TryCountOneUnparked()
    {
        while (true)
        {
            var parked = Volatile.Read(ref _parked);
            if (parked == 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _parked, parked - 1, parked) == parked)
            {
                return true;
            }
        }
    }

    /// <summary>The next request, sleeping until one comes; null once the pool stops and the queue is empty.</summary>
    private PendingRequest? Take()
    {
        while (true)
        {
            if (_queue.TryDequeue(out var pending))
            {
                return pending;
            }
            if (_stopping)
            {
                return null;
            }
            // Requests the ready events bring are queued by this thread and taken by it at once.
            if (_runsReadyEvents && ReadySocketEvents?.RunReady() == true)
            {
                continue;
            }
            Interlocked.Increment(ref _parked);
            if (_queue.TryDequeue(out pending))
            {
                // Not parking after all. If an enqueue already counted this thread as woken, its
                // permit stays in the semaphore and some thread later wakes once for nothing.
                TryCountOneUnparked();
                return pending;
            }
            _wake.Wait();
        }
    }

    /// <summary>
    /// Tells the threads to exit once they finish what they hold, waiting up to
    /// <paramref name="wait"/> for each (zero for an immediate stop: a thread stuck in a request is
    /// left behind, and ends with the process).
    /// </summary>
    public void Stop(TimeSpan wait)
    {
        _stopping = true;
        _wake.Release(_threads.Length);
        foreach (var thread in _threads)
        {
            thread.Join(wait);
        }
    }

    private void Run(int index)
    {
        CpuScheduling.Interactive();
        var python = PythonThread.AttachCurrent();
        python.Enter();
        var request = new WsgiRequest(_runtime, _app, _log, _hooks);
        python.Leave();
        var slot = new Slot(request, python.Ident);
        _slots[index] = slot;
        _attached.Signal();

        // A request taken while the answer before it is held runs without giving the GIL up in
        // between: nothing but this thread's own bookkeeping happens there.
        PendingRequest? next = null;
        while ((next ?? Take()) is { } pending)
        {
            var holdsGil = next is not null;
            next = null;
            slot.Current = pending;
            var exposed = _completions?.Expose() ?? false;
            if (!holdsGil)
            {
                python.Enter();
            }
            try
            {
                request.Run(pending.Features, pending.ReceivedTimestamp);
            }
            catch (Exception e)
            {
                // Run handles every app and client fault itself; reaching here is a Dram bug.
                WsgiLog.InternalError(_log, e);
            }
            _completions?.Reclaim(exposed);
            slot.Current = null;
            if (request.Release())
            {
                pending.ResponseBodyBytes = request.Written;
                if (_completions is not { } completions)
                {
                    python.Leave();
                    pending.Complete();
                    python.LetAWaiterIn();
                    continue;
                }
                if (completions.TryHold(pending, moreQueued: !_queue.IsEmpty))
                {
                    if (_queue.TryDequeue(out next))
                    {
                        continue;
                    }
                    // Only this thread takes from the queue, so this is not expected; if it did
                    // empty, the held answers must not wait for a request that is not there.
                    python.Leave();
                    completions.HandBack();
                    continue;
                }
                python.Leave();
                completions.HandBack(pending);
                continue;
            }
            python.Leave();
            python.LetAWaiterIn();
            if (_queue.IsEmpty)
            {
                // The watchdog answered this one; answers held before it must not wait for more.
                _completions?.HandBack();
            }
        }
        _completions?.HandBack();
    }
}
