using System.Runtime.InteropServices;
using Dram.Configuration;
using Dram.Hosting;
using Dram.Logging;
using Dram.Python;
using Dram.Wsgi;
using Microsoft.Extensions.Logging;

namespace Dram;

/// <summary>One serving process from start to exit: Python, the app, Kestrel, signals.</summary>
public sealed class Server(ServerConfig config, ErrorLog errorLog, ILoggerFactory loggerFactory, ILogger log, string[] args)
{
    private readonly TaskCompletionSource<(string Signal, bool Graceful)> _stop = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<int> RunAsync()
    {
        ServerLog.Starting(log, Program.Version);
        foreach (var setting in config.Unsupported)
        {
            ServerLog.Unsupported(log, setting);
        }

        nint app;
        WsgiRuntime runtime;
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
            app = AppLoader.Load(config.AppModule);
            runtime = new WsgiRuntime(new WsgiOptions
            {
                Threads = config.Threads,
                ScriptName = config.RootPath,
                ServerSoftware = $"dram/{Program.Version}",
            }, errorLog.WriteRaw);
        }
        catch (PythonLoadException e)
        {
            log.LogCritical("Cannot start Python: {Message}", e.Message);
            return Program.ExitPythonLoad;
        }
        catch (AppLoadException e)
        {
            var detail = e.PythonTraceback is null ? "" : "\n" + e.PythonTraceback;
            log.LogCritical("Cannot load the application '{App}' (Python {Version}, chdir {Chdir}): {Message}{Detail}",
                config.AppModule, PythonRuntime.Installation?.Version, config.Chdir, e.Message, detail);
            return Program.ExitAppLoad;
        }
        ServerLog.AppLoaded(log, config.AppModule, config.Chdir, config.Threads, config.Threads == 1 ? "" : "s");
        PythonRuntime.ReleaseMainThread();

        var pool = new WsgiThreadPool(runtime, app, config.Threads, loggerFactory.CreateLogger("dram.wsgi"));
        pool.Start();

        KestrelHost host;
        try
        {
            // Preparing a unix socket path (removing a stale socket file) can fail too.
            host = new KestrelHost(config, loggerFactory);
        }
        catch (BindException e)
        {
            log.LogCritical("{Message}", e.Message);
            return Program.ExitBind;
        }
        await using var _ = host;
        try
        {
            await host.StartAsync(new WsgiHttpApplication(pool), config.Binds);
        }
        catch (BindException e)
        {
            log.LogCritical("{Message}", e.Message);
            return Program.ExitBind;
        }
        foreach (var bind in config.Binds)
        {
            ServerLog.Listening(log, host.Bound(bind).Display, Environment.ProcessId);
        }

        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal);

        var (signal, graceful) = await _stop.Task;
        ServerLog.Signal(log, signal);
        var grace = graceful ? TimeSpan.FromSeconds(config.GracefulTimeout) : TimeSpan.Zero;
        if (graceful)
        {
            ServerLog.ShuttingDown(log, config.GracefulTimeout, pool.Queued.ToString(System.Globalization.CultureInfo.InvariantCulture) + " queued");
        }
        await host.StopAsync(grace);
        pool.Stop();
        RunAtExit();
        ServerLog.Stopped(log);
        foreach (var bind in config.Binds)
        {
            if (bind.UnixPath is { } path)
            {
                File.Delete(path);
            }
        }
        return 0;
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

    /// <summary>Runs the app's atexit handlers, as a Python process would on a clean exit.</summary>
    private void RunAtExit()
    {
        PythonRuntime.AcquireMainThread();
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
    }
}
