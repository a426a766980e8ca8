namespace Dram.Wsgi.Hooks;

/// <summary>Every server hook Dram runs, in the order a server's life meets them.</summary>
public static class ServerHooks
{
    public static readonly Hook NWorkersChanged = new("nworkers_changed", ["server", "new_value", "old_value"], HookProcess.Master,
        "When the number of workers changes: once at start (old_value is None), then on SIGTTIN and SIGTTOU.");

    public static readonly Hook OnStarting = new("on_starting", ["server"], HookProcess.Master,
        "As the master starts, before the first worker.");

    public static readonly Hook PostWorkerInit = new("post_worker_init", ["worker"], HookProcess.Worker,
        "In each worker once it has loaded the app, before it serves.");

    public static readonly Hook WhenReady = new("when_ready", ["server"], HookProcess.Master,
        "Once the server is up: the listening sockets are bound and the first worker serves them.");

    public static readonly Hook PreRequest = new("pre_request", ["worker", "req"], HookProcess.Worker,
        "On the request's Python thread, before the app is called.");

    public static readonly Hook PostRequest = new("post_request", ["worker", "req", "environ", "resp"], HookProcess.Worker,
        "On the request's Python thread, after the response was sent and the app's iterable closed.")
    {
        ShorterForms = [3, 2],
    };

    public static readonly Hook WorkerAbort = new("worker_abort", ["worker"], HookProcess.Worker,
        "When a request runs past --timeout: it has been answered 504 and dram.RequestTimeout is being raised in its thread.");

    public static readonly Hook WorkerInt = new("worker_int", ["worker"], HookProcess.Worker,
        "When the worker receives SIGINT or SIGQUIT (Ctrl-C in a terminal, or an immediate stop).");

    public static readonly Hook OnReload = new("on_reload", ["server"], HookProcess.Master,
        "On SIGHUP, before the new workers are started.");

    public static readonly Hook ChildExit = new("child_exit", ["server", "worker"], HookProcess.Master,
        "In the master, after a worker process exited for any reason.");

    public static readonly Hook WorkerExit = new("worker_exit", ["server", "worker"], HookProcess.Worker,
        "In the worker as it exits, after its last request and before the app's atexit handlers.");

    public static readonly Hook OnExit = new("on_exit", ["server"], HookProcess.Master,
        "Just before the master exits.");

    public static readonly IReadOnlyList<Hook> All =
    [
        NWorkersChanged, OnStarting, PostWorkerInit, WhenReady, PreRequest, PostRequest, WorkerAbort, WorkerInt, OnReload,
        ChildExit, WorkerExit, OnExit,
    ];

    /// <summary>The hook named <paramref name="name"/>, or null.</summary>
    public static Hook? Find(string name)
    {
        foreach (var hook in All)
        {
            if (hook.Name == name)
            {
                return hook;
            }
        }
        return null;
    }
}
