using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Dram.Configuration;
using Dram.Hosting;
using Dram.Logging;
using Dram.Python;
using Dram.Wsgi;
using Microsoft.Extensions.Logging;

namespace Dram.Processes;

/// <summary>
/// A worker process from start to exit: loads Python and the app, asks the master for the
/// listening sockets, serves them with Kestrel, reports to the master, stops when signalled.
/// </summary>
public sealed class Worker(ServerConfig config, ErrorLog errorLog, ILoggerFactory loggerFactory, ILogger log, string[] args, WorkerIdentity identity)
{
    private readonly TaskCompletionSource<(string Signal, bool Graceful)> _stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _recycle = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<int> RunAsync()
    {
        nint app;
        WsgiRuntime runtime;
        WorkerHooks? hooks;
        var startDirectory = Directory.GetCurrentDirectory();
        try
        {
            Directory.SetCurrentDirectory(config.Chdir);
            foreach (var (key, value) in config.Environment)
            {
                NativeEnvironment.Set(key, value);
            }
            var installation = PythonInstallation.Discover(config.Python);
            PythonRuntime.Initialize(installation, ["dram", .. args]);
            ServerLog.Python(log, installation.Version, installation.Executable, installation.LibraryPath!,
                installation.IsVirtualEnv ? $"; virtualenv {installation.Prefix}" : "");
            PythonRuntime.PrependSysPath([config.Chdir, .. config.PythonPath]);
            hooks = WorkerHooks.Create(config, identity, startDirectory, errorLog, log);
            app = AppLoader.Load(config.AppModule);
            runtime = new WsgiRuntime(new WsgiOptions
            {
                Threads = config.Threads,
                MultiProcess = config.Workers > 1,
                Forwarded = config.Forwarded,
                ScriptName = config.RootPath,
                ServerSoftware = $"dram/{Program.Version}",
            }, errorLog.WriteRaw);
        }
        catch (PythonLoadException e)
        {
            log.LogCritical("Cannot start Python: {Message}", e.Message);
            return Program.ExitPythonLoad;
        }
        catch (UsageException e)
        {
            // The config file read fine in the master a moment ago; whatever changed, this worker cannot run its hooks.
            ServerLog.WorkerHooksFailed(log, e.Message);
            return Program.ExitAppLoad;
        }
        catch (AppLoadException e)
        {
            var detail = e.PythonTraceback is null ? "" : "\n" + e.PythonTraceback;
            log.LogCritical("Cannot load the application '{App}' (Python {Version}, chdir {Chdir}): {Message}{Detail}",
                config.AppModule, PythonRuntime.Installation?.Version, config.Chdir, e.Message, detail);
            return Program.ExitAppLoad;
        }
        if (identity.Id == 1 || config.Workers == 1)
        {
            ServerLog.AppLoaded(log, config.AppModule, config.Chdir, config.Threads, config.Threads == 1 ? "" : "s");
        }
        hooks?.PostWorkerInit();
        var pool = new WsgiThreadPool(runtime, app, config.Threads, TimeSpan.FromSeconds(config.Timeout),
            loggerFactory.CreateLogger("dram.wsgi"), reason => _recycle.TrySetResult(reason), hooks?.Runner);
        PythonRuntime.ReleaseMainThread();

        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal);
        // Signals meant for the master (a `kill -HUP` aimed at every dram process, USR1 forwarded to
        // reopen logs) must not stop a worker, which their default action would.
        using var reopen = PosixSignalRegistration.Create((PosixSignal)10, context =>
        {
            context.Cancel = true;
            errorLog.Reopen();
        });
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, static context => context.Cancel = true);
        using var ttin = PosixSignalRegistration.Create(PosixSignal.SIGTTIN, static context => context.Cancel = true);
        using var ttou = PosixSignalRegistration.Create(PosixSignal.SIGTTOU, static context => context.Cancel = true);

        // Only now, with the app loaded, does the worker ask for the sockets: a broken app never
        // makes the master bind.
        using var control = Connect(identity.ControlSocket);
        control.Send($"BOOTED {identity.Id} {Environment.ProcessId}");
        var (reply, descriptors) = DescriptorPassing.Receive(control.Socket);
        if (!System.Text.Encoding.UTF8.GetString(reply).StartsWith("SOCKETS", StringComparison.Ordinal) || descriptors.Length == 0)
        {
            return 0;
        }

        pool.Start();
        var staticFiles = config.StaticMaps.Count > 0 ? new StaticFileServer(config.StaticMaps, loggerFactory) : null;
        var application = new WsgiHttpApplication(pool, staticFiles);
        await using var host = new KestrelHost(config, descriptors, loggerFactory);
        await host.StartAsync(application);
        control.Send("ACCEPTING");

        using var heartbeat = new WorkerHeartbeat(control, application, config, identity, log);
        _ = WatchMasterAsync(control);
        _ = _recycle.Task.ContinueWith(t => heartbeat.AskForReplacement(t.Result), TaskScheduler.Default);

        var (signal, graceful) = await _stop.Task;
        ServerLog.WorkerSignalReceived(log, identity.Id, Environment.ProcessId, signal);
        if (signal is "int" or "quit")
        {
            hooks?.Interrupted();
        }
        var grace = graceful ? TimeSpan.FromSeconds(config.GracefulTimeout) : TimeSpan.Zero;
        await host.StopAsync(grace);
        pool.Stop(graceful ? TimeSpan.FromSeconds(5) : TimeSpan.Zero);
        hooks?.Exiting();
        RunAtExit();
        ServerLog.WorkerExitingAfter(log, identity.Id, application.Served);
        return 0;
    }

    private static ControlChannel Connect(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        return new ControlChannel(socket);
    }

    /// <summary>A worker whose master is gone stops gracefully instead of serving on as an orphan.</summary>
    private async Task WatchMasterAsync(ControlChannel control)
    {
        while (await control.ReadLineAsync() is not null)
        {
        }
        _stop.TrySetResult(("master exited", true));
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        var name = context.Signal switch
        {
            PosixSignal.SIGTERM => "term",
            PosixSignal.SIGINT => "int",
            _ => "quit",
        };
        _stop.TrySetResult((name, context.Signal != PosixSignal.SIGQUIT));
    }

    /// <summary>
    /// Runs the app's atexit handlers, as a Python process would on a clean exit; on its own thread
    /// with a time limit, since a request thread stuck in C may hold the GIL forever.
    /// </summary>
    private void RunAtExit()
    {
        var thread = new Thread(RunAtExitHandlers) { IsBackground = true, Name = "dram-atexit" };
        thread.Start();
        if (!thread.Join(TimeSpan.FromSeconds(10)))
        {
            ServerLog.AtExitFailed(log, "they did not finish within 10 s (the GIL is held by a stuck thread?)");
        }
    }

    private void RunAtExitHandlers()
    {
        var python = PythonThread.AttachCurrent();
        python.Enter();
        try
        {
            var atexit = Py.Import("atexit");
            var run = Py.GetAttr(atexit, "_run_exitfuncs");
            Py.DecRef(Py.Call(run));
            Py.DecRef(run);
            Py.DecRef(atexit);
        }
        catch (PythonException e)
        {
            ServerLog.AtExitFailed(log, $"{e.TypeName}: {e.Message}");
        }
        finally
        {
            python.Leave();
        }
    }
}
