using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Dram.Configuration;
using Dram.Hosting;
using Dram.Logging;
using Dram.Metrics;
using Dram.Python;
using Dram.Reloading;
using Dram.Security;
using Dram.Wsgi;
using Dram.Wsgi.Logs;
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
        MallocTuning.Apply();
        // The access log, like the TLS key below, is opened with the master's privileges.
        AccessLog? accessLog;
        try
        {
            accessLog = OpenAccessLog();
        }
        catch (IOException e)
        {
            ServerLog.AccessLogUnavailable(log, e.Message);
            return Program.ExitUsage;
        }
        accessLog?.Start();
        // Signals meant for the master (a `kill -HUP` aimed at every dram process, USR1 forwarded to
        // reopen logs) must not stop a worker, which their default action would; they are handled
        // before the app loads, as the master forwards USR1 to a worker once it says it booted.
        using var reopen = PosixSignalRegistration.Create((PosixSignal)SignalNumbers.Usr1, context =>
        {
            context.Cancel = true;
            errorLog.Reopen(accessLog);
        });
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, static context => context.Cancel = true);
        using var ttin = PosixSignalRegistration.Create(PosixSignal.SIGTTIN, static context => context.Cancel = true);
        using var ttou = PosixSignalRegistration.Create(PosixSignal.SIGTTOU, static context => context.Cancel = true);

        // The key is read with the master's privileges, then the worker gives them up before any
        // Python runs (the interpreter, and the app's imports, only ever see --user).
        TlsCredentials? tls = null;
        try
        {
            tls = config.Tls is { } settings ? TlsCredentials.Load(settings) : null;
        }
        catch (UsageException e)
        {
            ServerLog.WorkerTlsFailed(log, identity.Id, e.Message);
            return Program.ExitUsage;
        }
        if (config.WorkerAccount is { } account)
        {
            try
            {
                PrivilegeDrop.Apply(account);
            }
            catch (InvalidOperationException e)
            {
                ServerLog.PrivilegeDropFailed(log, identity.Id, account.Display, e.Message);
                return Program.ExitUsage;
            }
        }

        nint app;
        WsgiRuntime runtime;
        WorkerHooks? hooks;
        var startDirectory = Directory.GetCurrentDirectory();
        try
        {
            Directory.SetCurrentDirectory(config.Chdir);
            PythonInstallation installation;
            if (HostedWorker.Active)
            {
                installation = PythonInstallation.FromProbeOutput(Environment.ProcessPath ?? "python", HostedWorker.ProbeOutput);
                PythonRuntime.AttachToHost(installation, ["dram", .. args]);
                ServerLog.PythonHost(log, installation.Version, installation.Executable, VirtualEnvNote(installation));
            }
            else
            {
                installation = PythonInstallation.Discover(config.Python);
                PythonRuntime.Initialize(installation, ["dram", .. args]);
                ServerLog.Python(log, installation.Version, installation.Executable, installation.LibraryPath!, VirtualEnvNote(installation));
            }
            PythonRuntime.PrependSysPath([config.Chdir, .. config.PythonPath]);
            hooks = WorkerHooks.Create(config, identity, startDirectory, errorLog, log);
            app = AppLoader.Load(config.AppModule);
            runtime = new WsgiRuntime(new WsgiOptions
            {
                Threads = config.Threads,
                MultiProcess = config.Workers > 1,
                Forwarded = config.Forwarded,
                SecureSchemeHeaders = config.SecureSchemeHeaders,
                ProxyProtocol = config.ProxyProtocol,
                MaxHeaderFieldSize = config.Limits.FieldSize,
                MaxRequestBodySize = config.Limits.Body,
                ScriptName = config.RootPath,
                ServerSoftware = $"dram/{Program.Version}",
                AccessLog = accessLog,
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
        var (sources, importedAtStart) = config.Reload ? FindSourceFiles() : (null, []);
        PythonRuntime.ReleaseMainThread();

        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal);
        // Only now, with the app loaded, does the worker ask for the sockets: a broken app never
        // makes the master bind.
        using var control = Connect(identity.ControlSocket);
        control.Send($"BOOTED {identity.Id} {Environment.ProcessId}");
        // A stop signal before the master hands over the sockets (the master stopping at that
        // moment answers no more BOOTED messages) ends the worker here: nothing is in flight yet.
        while (!control.Socket.Poll(TimeSpan.FromMilliseconds(100), System.Net.Sockets.SelectMode.SelectRead))
        {
            if (_stop.Task.IsCompleted)
            {
                StopSignalled(_stop.Task.Result.Signal);
                hooks?.Exiting();
                RunAtExit();
                return 0;
            }
        }
        var (reply, received) = DescriptorPassing.Receive(control.Socket);

        if (!TakeSockets(System.Text.Encoding.UTF8.GetString(reply), received, out var descriptors, out var turn))
        {
            return 0;
        }

        pool.Start();
        using var metrics = WorkerMetrics.Create(config, errorLog, log);
        metrics?.Start(pool);
        var staticFiles = config.StaticMaps.Count > 0 ? new StaticFileServer(config.StaticMaps, config.Limits.FieldSize, loggerFactory) : null;
        var application = new WsgiHttpApplication(pool, staticFiles, metrics?.Requests, accessLog, config.Limits.Body);
        await using var host = new KestrelHost(config, descriptors, loggerFactory, tls, turn);
        pool.ReadySocketEvents = host.ReadySocketEvents;
        if (tls is not null && !host.ServesTls && identity.Id == 1)
        {
            ServerLog.NoTlsSocket(log);
        }
        await host.StartAsync(application);
        control.Send("ACCEPTING");

        using var heartbeat = new WorkerHeartbeat(control, application, config, identity, log, metrics);
        using var sourceReporter = sources is null ? null : new SourceFileReporter(control, sources, importedAtStart, log);
        _ = WatchMasterAsync(control);
        _ = _recycle.Task.ContinueWith(t => heartbeat.AskForReplacement(RestartReason.Timeout, t.Result), TaskScheduler.Default);

        var (signal, graceful) = await _stop.Task;
        StopSignalled(signal);
        var grace = graceful ? TimeSpan.FromSeconds(config.GracefulTimeout) : TimeSpan.Zero;
        if (graceful)
        {
            // Kestrel's stop closes idle keep-alive connections at once, losing a request a client
            // is sending on one that instant; stop accepting first and let busy connections end
            // after an answer. A client's next request on a busy connection comes within
            // milliseconds, so a few seconds suffice; idle ones end by the keep-alive timeout.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            application.CloseConnectionsAfterResponses();
            await host.DrainAsync(TimeSpan.FromSeconds(Math.Min(config.GracefulTimeout, Math.Min(config.KeepAlive + 1, 5))));
            grace = grace > clock.Elapsed ? grace - clock.Elapsed : TimeSpan.Zero;
        }
        await host.StopAsync(grace);
        pool.Stop(graceful ? TimeSpan.FromSeconds(5) : TimeSpan.Zero);
        accessLog?.Dispose();
        hooks?.Exiting();
        RunAtExit();
        // The last counts, so the master's totals include every request this worker answered.
        if (metrics?.ReportLine() is { } finalReport)
        {
            try
            {
                control.Send(finalReport);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }
        ServerLog.WorkerExitingAfter(log, identity.Id, application.Served);
        return 0;

        // Whenever the stop comes: said in the log, and SIGINT/SIGQUIT run the worker_int hook.
        void StopSignalled(string signal)
        {
            ServerLog.WorkerSignalReceived(log, identity.Id, Environment.ProcessId, signal);
            if (signal is "int" or "quit")
            {
                hooks?.Interrupted();
            }
        }
    }

    private static string VirtualEnvNote(PythonInstallation installation) =>
        installation.IsVirtualEnv ? $"; virtualenv {installation.Prefix}" : "";

    /// <summary>
    /// Reads the master's SOCKETS message: the listening descriptors, then (with a slot of 0 or more)
    /// the accept board this worker takes turns on. False when the master sent no sockets.
    /// </summary>
    private bool TakeSockets(string message, int[] received, out int[] listening, out AcceptTurn? turn)
    {
        listening = [];
        turn = null;
        var words = message.Split(' ');
        if (words[0] != "SOCKETS" || words.Length != 3 || !int.TryParse(words[1], out var count) || !int.TryParse(words[2], out var slot)
            || count <= 0 || received.Length != count + (slot >= 0 ? 1 : 0))
        {
            return false;
        }
        listening = received[..count];
        if (slot >= 0)
        {
            if (AcceptBoard.Attach(received[count], out var failure) is { } board)
            {
                turn = new AcceptTurn(board, slot);
            }
            else
            {
                ServerLog.NoAcceptBoard(log, failure!);
            }
        }
        return true;
    }

    /// <summary>For --reload: the app's source files imported so far; the GIL must be held.</summary>
    private (AppSourceFiles? Sources, IReadOnlyList<string> Files) FindSourceFiles()
    {
        try
        {
            var sources = new AppSourceFiles([config.Chdir, .. config.PythonPath]);
            return (sources, sources.TakeNew());
        }
        catch (PythonException e)
        {
            ReloadLog.ScanFailed(log, $"{e.TypeName}: {e.Message}");
            return (null, []);
        }
    }

    /// <summary>The access log the settings ask for, or null; throws <see cref="IOException"/> when its file cannot be opened.</summary>
    private AccessLog? OpenAccessLog()
    {
        if (config.AccessLog is not { } path)
        {
            return null;
        }
        AccessLogLayout layout = config.AccessLogJson ? new AccessLogJson() : AccessLogFormat.Compile(config.AccessLogFormat);
        var file = LogFile.Open(path, LogFile.StandardOutput);
        return new AccessLog(file, layout, config.Forwarded, config.RootPath, identity.Id, loggerFactory.CreateLogger("dram.wsgi"));
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
            if (AppThreads.LeftRunning() is { Length: > 0 } threads)
            {
                ServerLog.ThreadsLeftRunning(log, identity.Id, threads);
            }
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
