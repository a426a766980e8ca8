using System.Collections.Concurrent;
using Dram.Python;
using Microsoft.Extensions.Logging;

namespace Dram.Wsgi;

/// <summary>
/// The OS threads that run the app (<c>--threads</c>). Python never runs on Kestrel's socket
/// threads: an app that blocks (a database call, <c>time.sleep</c>) would stall every connection
/// served by that thread. Each Python thread owns its thread state for life and holds the GIL only
/// while Python runs; requests arrive through one FIFO queue, so a thread that finishes a request
/// takes the next one without sleeping when the server is busy.
/// </summary>
public sealed class WsgiThreadPool
{
    private readonly ConcurrentQueue<PendingRequest> _queue = new();
    private readonly SemaphoreSlim _available = new(0);
    private readonly WsgiRuntime _runtime;
    private readonly nint _app;
    private readonly ILogger _log;
    private readonly Thread[] _threads;
    private readonly CountdownEvent _attached;
    private volatile bool _stopping;

    public WsgiThreadPool(WsgiRuntime runtime, nint app, int threads, ILogger log)
    {
        _runtime = runtime;
        _app = app;
        _log = log;
        _threads = new Thread[threads];
        _attached = new CountdownEvent(threads);
    }

    public int Size => _threads.Length;

    /// <summary>Requests waiting for a free Python thread.</summary>
    public int Queued => _queue.Count;

    /// <summary>Starts the threads; the caller must not hold the GIL.</summary>
    public void Start()
    {
        for (var i = 0; i < _threads.Length; i++)
        {
            var thread = new Thread(Run)
            {
                Name = $"dram-python-{i + 1}",
                IsBackground = true,
            };
            _threads[i] = thread;
            thread.Start();
        }
        _attached.Wait();
    }

    public void Enqueue(PendingRequest request)
    {
        _queue.Enqueue(request);
        _available.Release();
    }

    /// <summary>Lets the threads finish what they hold and exit.</summary>
    public void Stop()
    {
        _stopping = true;
        _available.Release(_threads.Length);
        foreach (var thread in _threads)
        {
            thread.Join(TimeSpan.FromSeconds(5));
        }
    }

    private void Run()
    {
        var python = PythonThread.AttachCurrent();
        python.Enter();
        var request = new WsgiRequest(_runtime, _app, _log);
        python.Leave();
        _attached.Signal();

        while (true)
        {
            _available.Wait();
            if (!_queue.TryDequeue(out var pending))
            {
                if (_stopping)
                {
                    return;
                }
                continue;
            }
            python.Enter();
            try
            {
                request.Run(pending.Features);
            }
            catch (Exception e)
            {
                // Run handles every app and client fault itself; reaching here is a Dram bug.
                WsgiLog.InternalError(_log, e);
            }
            finally
            {
                python.Leave();
            }
            pending.Complete();
        }
    }
}
