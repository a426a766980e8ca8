using Dram.Python;
using Dram.Python.Native;
using Dram.Wsgi.Hooks;
using Microsoft.Extensions.Logging;

namespace Dram.Wsgi;

/// <summary>
/// Enforces --timeout. A request still running past it is answered 504 at once (or its connection
/// closed if the response had started) and handed back to Kestrel, so the client is not kept
/// waiting; then <c>dram.RequestTimeout</c> is raised inside its Python thread
/// (<c>PyThreadState_SetAsyncExc</c>) and the log names the request and the Python stack it was
/// stuck in. A thread that does not unwind (blocked in C code, which async exceptions cannot
/// interrupt) makes the worker ask to be replaced.
/// </summary>
internal sealed unsafe class RequestWatchdog
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);

    private readonly IReadOnlyList<WsgiThreadPool.Slot> _slots;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _unwindGrace;
    private readonly ILogger _log;
    private readonly Action<string> _requestRecycle;
    private readonly HookRunner? _hooks;
    private readonly Thread _thread;
    private readonly Thread _injector;
    private readonly AutoResetEvent _injectRequested = new(false);
    private readonly ManualResetEventSlim _injectDone = new(true);
    private nint _timeoutType;
    private nint _stackOf;
    private PythonThread? _python;
    private WsgiThreadPool.Slot? _injectInto;
    private string _injectDescription = "";
    private bool _recycleAsked;
    private long _timedOut;

    public RequestWatchdog(IReadOnlyList<WsgiThreadPool.Slot> slots, TimeSpan timeout, ILogger log, Action<string> requestRecycle, HookRunner? hooks = null)
    {
        _hooks = hooks is not null && hooks.Defines(ServerHooks.WorkerAbort) ? hooks : null;
        _slots = slots;
        _timeout = timeout;
        _unwindGrace = TimeSpan.FromSeconds(Math.Clamp(timeout.TotalSeconds, 5, 30));
        _log = log;
        _requestRecycle = requestRecycle;
        _thread = new Thread(Watch) { Name = "dram-watchdog", IsBackground = true };
        _injector = new Thread(Inject) { Name = "dram-timeout-injector", IsBackground = true };
    }

    /// <summary>Requests that ran past the timeout since the worker started.</summary>
    public long TimedOut => Interlocked.Read(ref _timedOut);

    /// <summary>Loads the Python helpers; the GIL must be held.</summary>
    public void Prepare()
    {
        var ns = Py.RunModuleSource(EmbeddedPython.Read("dram_timeouts.py"), "dram._timeouts");
        _timeoutType = Py.NewRef(Py.BorrowItem(ns, "RequestTimeout"));
        _stackOf = Py.NewRef(Py.BorrowItem(ns, "stack_of"));
        Py.DecRef(ns);
    }

    /// <summary>Starts watching; the caller must not hold the GIL.</summary>
    public void Start()
    {
        _injector.Start();
        _thread.Start();
    }

    private void Watch()
    {
        while (true)
        {
            Thread.Sleep(Period);
            try
            {
                Check();
            }
            catch (Exception e)
            {
                WsgiLog.InternalError(_log, e);
            }
        }
    }

    private void Check()
    {
        {
            foreach (var slot in _slots)
            {
                var started = slot.Request.StartedTimestamp;
                if (started == 0)
                {
                    continue;
                }
                var generation = slot.Request.Generation;
                var elapsed = TimeSpan.FromMilliseconds(Environment.TickCount64 - started);
                if (elapsed > _timeout && slot.TimedOutGeneration != generation)
                {
                    slot.TimedOutGeneration = generation;
                    slot.TimedOutAt = DateTime.UtcNow;
                    Interlocked.Increment(ref _timedOut);
                    var pending = slot.Current;
                    if (slot.Request.TimeOut())
                    {
                        pending?.Complete();
                    }
                    var description = $"{slot.Request.Method} {slot.Request.Path} ran {elapsed.TotalSeconds:0.0} s (--timeout {_timeout.TotalSeconds:0} s)";
                    RequestInjection(slot, description);
                }
                else if (slot.TimedOutGeneration == generation && DateTime.UtcNow - slot.TimedOutAt > _unwindGrace && !_recycleAsked)
                {
                    _recycleAsked = true;
                    WsgiLog.StuckThread(_log, slot.Request.Method, slot.Request.Path, _unwindGrace.TotalSeconds);
                    _requestRecycle($"a request thread is stuck in C code ({slot.Request.Method} {slot.Request.Path})");
                }
            }
            if (!_injectDone.IsSet && !_recycleAsked && DateTime.UtcNow - _injectStarted > _unwindGrace)
            {
                // The GIL was not released for the whole grace period: some C code holds it.
                _recycleAsked = true;
                WsgiLog.GilHeld(_log, _unwindGrace.TotalSeconds);
                _requestRecycle("the GIL was held without release past --timeout (C code stuck holding it)");
            }
        }
    }

    private DateTime _injectStarted;

    private void RequestInjection(WsgiThreadPool.Slot slot, string description)
    {
        if (!_injectDone.IsSet)
        {
            // Still waiting for the GIL for an earlier injection; the grace check covers this one.
            return;
        }
        _injectDone.Reset();
        _injectInto = slot;
        _injectDescription = description;
        _injectStarted = DateTime.UtcNow;
        _injectRequested.Set();
    }

    private void Inject()
    {
        _python = PythonThread.AttachCurrent();
        while (true)
        {
            _injectRequested.WaitOne();
            var slot = _injectInto!;
            _python.Enter();
            try
            {
                var stack = "";
                var ident = Py.NewInt((long)slot.Ident);
                try
                {
                    var text = Py.Call(_stackOf, ident);
                    stack = Py.ToStringOrNull(text) ?? "";
                    Py.DecRef(text);
                }
                catch (PythonException e)
                {
                    stack = $"  (stack unavailable: {e.Message})";
                }
                Py.DecRef(ident);
                // Only a thread still inside a request gets the exception; one that just finished is left alone.
                if (slot.Request.StartedTimestamp != 0 && slot.TimedOutGeneration == slot.Request.Generation)
                {
                    CApi.PyThreadState_SetAsyncExc((nuint)slot.Ident, _timeoutType);
                }
                WsgiLog.RequestTimedOut(_log, _injectDescription, stack);
                // Gunicorn runs worker_abort when a request outlives --timeout; here it runs on
                // this thread, which holds the GIL, while the stuck thread waits to unwind.
                _hooks?.Call(ServerHooks.WorkerAbort, _hooks.Worker);
            }
            finally
            {
                _python.Leave();
                _injectDone.Set();
            }
        }
    }
}
