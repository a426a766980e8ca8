using Dram.Configuration;
using Dram.Logging;
using Dram.Python;
using Dram.Wsgi.Hooks;
using Microsoft.Extensions.Logging;

namespace Dram.Processes;

/// <summary>
/// A worker's server hooks. The worker executes the config file itself (settings come from the
/// master, only the callables are taken from it) and only when the file defines a worker-side hook:
/// post_worker_init, pre_request/post_request (run by the request threads), worker_abort (run
/// by the timeout watchdog), worker_int and worker_exit.
/// </summary>
internal sealed class WorkerHooks
{
    /// <summary>How long worker_int or worker_exit may take: a stuck hook must not keep the worker from stopping.</summary>
    private static readonly TimeSpan StopHookLimit = TimeSpan.FromSeconds(10);

    private readonly HookRunner _runner;
    private readonly ILogger _log;
    private readonly int _masterPid;
    private readonly int _workers;

    private WorkerHooks(HookRunner runner, ILogger log, int masterPid, int workers)
    {
        _runner = runner;
        _log = log;
        _masterPid = masterPid;
        _workers = workers;
    }

    public HookRunner Runner => _runner;

    /// <summary>
    /// The worker-side hooks of the config file, or null when it defines none (then the file is not
    /// executed here). The GIL must be held and sys.path set up; a file that fails now is a usage error.
    /// </summary>
    public static WorkerHooks? Create(ServerConfig config, WorkerIdentity identity, string startDirectory, ErrorLog errorLog, ILogger log)
    {
        var names = config.Resolved.HookNames.Where(name => ServerHooks.Find(name) is { Process: HookProcess.Worker }).ToList();
        if (names.Count == 0 || config.ConfigFile is not { } location)
        {
            return null;
        }
        if (location.StartsWith("python:", StringComparison.Ordinal))
        {
            // The master imported the module from the directory dram started in; the app's own
            // directories keep their place in front.
            PythonRuntime.AppendSysPath(startDirectory);
        }
        var file = ConfigFile.Execute(location);
        try
        {
            var runner = HookRunner.Create(file.Namespace, names, config.Resolved.ToPythonJson(), location, errorLog.Write);
            var masterPid = ParentPid();
            runner.Worker = runner.NewWorker(Environment.ProcessId, masterPid, identity.Id);
            return new WorkerHooks(runner, log, masterPid, config.Workers);
        }
        catch (PythonException e)
        {
            throw new UsageException($"the hooks of {location} could not be set up: {e.TypeName}: {e.Message}\n{e.PythonTraceback}");
        }
    }

    /// <summary>post_worker_init(worker), on the thread that loaded the app; the GIL is held.</summary>
    public void PostWorkerInit() => _runner.Call(ServerHooks.PostWorkerInit, _runner.Worker);

    /// <summary>worker_int(worker), when SIGINT or SIGQUIT stops the worker.</summary>
    public void Interrupted() => RunBounded(ServerHooks.WorkerInt, () => _runner.Call(ServerHooks.WorkerInt, _runner.Worker));

    /// <summary>worker_exit(server, worker), as the worker exits.</summary>
    public void Exiting() => RunBounded(ServerHooks.WorkerExit, () =>
    {
        var server = _runner.NewServer(_masterPid, _workers);
        _runner.Call(ServerHooks.WorkerExit, server, _runner.Worker);
        Py.DecRef(server);
    });

    /// <summary>
    /// Runs a hook on its own thread with a time limit: the GIL may be held by a request thread
    /// stuck in C code, and then the worker stops without the hook rather than never.
    /// </summary>
    private void RunBounded(Hook hook, Action call)
    {
        if (!_runner.Defines(hook))
        {
            return;
        }
        var thread = new Thread(() =>
        {
            using (GilAcquired.Take())
            {
                try
                {
                    call();
                }
                catch (PythonException e)
                {
                    ServerLog.HookNotCalled(_log, hook.Name, $"{e.TypeName}: {e.Message}");
                }
            }
        })
        { IsBackground = true, Name = $"dram-{hook.Name}" };
        thread.Start();
        if (!thread.Join(StopHookLimit))
        {
            ServerLog.HookStalled(_log, hook.Name, (int)StopHookLimit.TotalSeconds);
        }
    }

    private static int ParentPid()
    {
        // /proc/self/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after its ')'.
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
