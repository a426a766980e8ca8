using Microsoft.Extensions.Logging;

namespace Dram.Logging;

/// <summary>The server's own log lines, with fixed event ids.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Starting dram {Version}")]
    public static partial void Starting(ILogger logger, string version);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Python {PythonVersion} ({Executable}; libpython {Library}){VirtualEnv}")]
    public static partial void Python(ILogger logger, string pythonVersion, string executable, string library, string virtualEnv);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Application {App} loaded from {Chdir} ({Threads} Python thread{Plural})")]
    public static partial void AppLoaded(ILogger logger, string app, string chdir, int threads, string plural);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Listening at: {Address} ({Pid})")]
    public static partial void Listening(ILogger logger, string address, int pid);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Handling signal: {Signal}")]
    public static partial void Signal(ILogger logger, string signal);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Shutting down: workers get up to {Seconds} s to finish in-flight requests")]
    public static partial void ShuttingDown(ILogger logger, int seconds);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Setting not supported yet and ignored: {Setting}")]
    public static partial void Unsupported(ILogger logger, string setting);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "atexit handlers of the app raised: {Error}")]
    public static partial void AtExitFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Booting worker {Id} with pid: {Pid}")]
    public static partial void BootingWorker(ILogger logger, int id, int pid);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Worker {Id} (pid {Pid}) received {Signal}, stopping")]
    public static partial void WorkerSignalReceived(ILogger logger, int id, int pid, string signal);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Worker {Id} exiting after {Served} requests")]
    public static partial void WorkerExitingAfter(ILogger logger, int id, long served);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "Worker {Id} asks to be replaced: {Reason}")]
    public static partial void RecycleRequested(ILogger logger, int id, string reason);

    [LoggerMessage(EventId = 14, Level = LogLevel.Error, Message = "Worker {Id} (pid {Pid}) died: {Reason}; starting a replacement{Delay}")]
    public static partial void WorkerDied(ILogger logger, int id, int pid, string reason, string delay);

    [LoggerMessage(EventId = 15, Level = LogLevel.Information, Message = "Worker {Id} (pid {Pid}) stopped")]
    public static partial void WorkerStopped(ILogger logger, int id, int pid);

    [LoggerMessage(EventId = 16, Level = LogLevel.Critical, Message = "Worker {Id} could not boot ({Reason}); stopping the master. The worker's error is above.")]
    public static partial void BootFailed(ILogger logger, int id, string reason);

    [LoggerMessage(EventId = 17, Level = LogLevel.Error, Message = "Reload failed: the new worker could not load the app ({Reason}); the running workers keep serving the previous code")]
    public static partial void ReloadFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 18, Level = LogLevel.Error, Message = "Worker {Id} (pid {Pid}) sent no heartbeat for {Seconds} s; killing it")]
    public static partial void WorkerSilent(ILogger logger, int id, int pid, int seconds);

    [LoggerMessage(EventId = 19, Level = LogLevel.Warning, Message = "Worker {Id} (pid {Pid}) did not stop within {Seconds} s; killing it")]
    public static partial void WorkerKilledAfterGrace(ILogger logger, int id, int pid, int seconds);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Reloading: starting {Count} worker(s) with freshly imported app code")]
    public static partial void Reloading(ILogger logger, int count);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "Number of workers: {Count}")]
    public static partial void WorkerCount(ILogger logger, int count);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "{Warning}")]
    public static partial void ConfigWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = 23, Level = LogLevel.Information, Message = "Config file: {Location}")]
    public static partial void ConfigFile(ILogger logger, string location);

    [LoggerMessage(EventId = 24, Level = LogLevel.Warning, Message = "The {Hook} hook did not finish within {Seconds} s; stopping without waiting for it")]
    public static partial void HookStalled(ILogger logger, string hook, int seconds);

    [LoggerMessage(EventId = 25, Level = LogLevel.Error, Message = "The {Hook} hook could not be called: {Error}")]
    public static partial void HookNotCalled(ILogger logger, string hook, string error);

    [LoggerMessage(EventId = 26, Level = LogLevel.Critical, Message = "Cannot read the server hooks of the config file in this worker: {Error}")]
    public static partial void WorkerHooksFailed(ILogger logger, string error);
}
