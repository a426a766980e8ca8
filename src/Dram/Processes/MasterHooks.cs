using Dram.Configuration;
using Dram.Logging;
using Dram.Python;
using Dram.Wsgi.Hooks;

namespace Dram.Processes;

/// <summary>
/// The master's server hooks (on_starting, when_ready, on_reload, child_exit, nworkers_changed,
/// on_exit), called from the arbiter's event loop. The master has an interpreter only because a
/// config file was read; each call takes the GIL for its duration, and like Gunicorn's arbiter the
/// loop waits for the hook to return.
/// </summary>
public sealed class MasterHooks
{
    private readonly HookRunner _runner;
    private readonly nint _server;

    private MasterHooks(HookRunner runner, nint server)
    {
        _runner = runner;
        _server = server;
    }

    /// <summary>The hooks of <paramref name="file"/> that run in the master, or null when it defines none. The GIL must be held.</summary>
    public static MasterHooks? Create(ConfigFile file, EffectiveSettings settings, ErrorLog log)
    {
        var names = settings.HookNames.Where(name => ServerHooks.Find(name) is { Process: HookProcess.Master }).ToList();
        if (names.Count == 0)
        {
            return null;
        }
        var runner = HookRunner.Create(file.Namespace, names, settings.ToPythonJson(), file.Location, log.Write);
        return new MasterHooks(runner, runner.NewServer(Environment.ProcessId, 0));
    }

    public void OnStarting(int workers) => Run(ServerHooks.OnStarting, workers);

    public void WhenReady(int workers) => Run(ServerHooks.WhenReady, workers);

    public void OnReload(int workers) => Run(ServerHooks.OnReload, workers);

    public void OnExit(int workers) => Run(ServerHooks.OnExit, workers);

    /// <summary>nworkers_changed(server, new_value, old_value); <paramref name="old"/> is None at start.</summary>
    public void WorkersChanged(int workers, int? old)
    {
        if (!_runner.Defines(ServerHooks.NWorkersChanged))
        {
            return;
        }
        using (GilAcquired.Take())
        {
            SetWorkerCount(workers);
            var newValue = Py.NewInt(workers);
            var oldValue = old is { } o ? Py.NewInt(o) : Py.NewRef(Py.None);
            _runner.Call(ServerHooks.NWorkersChanged, _server, newValue, oldValue);
            Py.DecRef(oldValue);
            Py.DecRef(newValue);
        }
    }

    /// <summary>child_exit(server, worker) for the worker process that just ended.</summary>
    public void ChildExit(int workers, int pid, int age)
    {
        if (!_runner.Defines(ServerHooks.ChildExit))
        {
            return;
        }
        using (GilAcquired.Take())
        {
            SetWorkerCount(workers);
            nint worker;
            try
            {
                worker = _runner.NewWorker(pid, Environment.ProcessId, age);
            }
            catch (PythonException)
            {
                return;
            }
            _runner.Call(ServerHooks.ChildExit, _server, worker);
            Py.DecRef(worker);
        }
    }

    private void Run(Hook hook, int workers)
    {
        if (!_runner.Defines(hook))
        {
            return;
        }
        using (GilAcquired.Take())
        {
            SetWorkerCount(workers);
            _runner.Call(hook, _server);
        }
    }

    private void SetWorkerCount(int workers)
    {
        var count = Py.NewInt(workers);
        try
        {
            Py.SetAttr(_server, "num_workers", count);
        }
        catch (PythonException)
        {
            // A hook replaced the attribute with something read-only; it keeps what it set.
        }
        Py.DecRef(count);
    }
}
