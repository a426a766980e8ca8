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

    [LoggerMessage(EventId = 17, Level = LogLevel.Error, Message = "Reload failed: the new worker could not start ({Reason}); the running workers keep serving the previous code")]
    public static partial void ReloadFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 18, Level = LogLevel.Error, Message = "Worker {Id} (pid {Pid}) sent no heartbeat for {Seconds} s; killing it")]
    public static partial void WorkerSilent(ILogger logger, int id, int pid, int seconds);

    [LoggerMessage(EventId = 19, Level = LogLevel.Warning, Message = "Worker {Id} (pid {Pid}) did not stop within {Seconds} s; killing it")]
    public static partial void WorkerKilledAfterGrace(ILogger logger, int id, int pid, int seconds);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Reloading: starting {Count} worker(s) with freshly imported app code")]
    public static partial void Reloading(ILogger logger, int count);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "Number of workers: {Count}")]
    public static partial void WorkerCount(ILogger logger, int count);

    [LoggerMessage(EventId = 60, Level = LogLevel.Warning, Message = "TLS: {Warning}")]
    public static partial void TlsWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = 61, Level = LogLevel.Information, Message = "TLS certificate: {Description}")]
    public static partial void TlsCertificate(ILogger logger, string description);

    [LoggerMessage(EventId = 62, Level = LogLevel.Warning, Message = "TLS: {Problem}")]
    public static partial void CertificateNotValidNow(ILogger logger, string problem);

    [LoggerMessage(EventId = 63, Level = LogLevel.Error, Message = "Reload cancelled: {Reason}. The running workers keep serving with the certificate they loaded; fix the file and send HUP again")]
    public static partial void ReloadRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 64, Level = LogLevel.Information, Message = "Workers run as {Account}")]
    public static partial void WorkerAccount(ILogger logger, string account);

    [LoggerMessage(EventId = 65, Level = LogLevel.Critical, Message = "Worker {Id} cannot switch to {Account}: {Reason}; it refuses to run the app with the master's privileges")]
    public static partial void PrivilegeDropFailed(ILogger logger, int id, string account, string reason);

    [LoggerMessage(EventId = 66, Level = LogLevel.Critical, Message = "Worker {Id} cannot load the TLS certificate: {Reason}")]
    public static partial void WorkerTlsFailed(ILogger logger, int id, string reason);

    [LoggerMessage(EventId = 67, Level = LogLevel.Warning, Message = "--certfile is given but no listening socket is TCP: connections are served without TLS")]
    public static partial void NoTlsSocket(ILogger logger);
    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "--capture-output has no effect without --error-logfile FILE: the app's stdout and stderr already go where dram's own output goes")]
    public static partial void CaptureOutputWithoutFile(ILogger logger);

    [LoggerMessage(EventId = 23, Level = LogLevel.Critical, Message = "Cannot open the access log: {Reason}")]
    public static partial void AccessLogUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 24, Level = LogLevel.Error, Message = "Worker {Id} (pid {Pid}) uses {Megabytes} MB, twice --max-worker-memory ({Limit} MB): memory grows faster than it can drain (a request allocating without end?); killing it, which cuts its requests in flight")]
    public static partial void WorkerFarOverMemory(ILogger logger, int id, int pid, long megabytes, int limit);

    [LoggerMessage(EventId = 25, Level = LogLevel.Warning, Message = "Worker {Id} stops with threads the app started still running: {Threads}. They end with the process, unfinished (Python would wait for them): make them daemon threads, or stop and join them in an atexit handler")]
    public static partial void ThreadsLeftRunning(ILogger logger, int id, string threads);

    [LoggerMessage(EventId = 26, Level = LogLevel.Warning, Message = "The open-files limit is {Limit} (hard limit), so each worker holds fewer than {Limit} connections at once; raise it with `ulimit -n` in the shell that starts dram, or LimitNOFILE= in its systemd unit")]
    public static partial void LowDescriptorLimit(ILogger logger, ulong limit);

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

    [LoggerMessage(EventId = 27, Level = LogLevel.Debug, Message = "The kernel refused SCHED_BATCH for the worker's I/O threads (errno {Errno}); they keep the ordinary policy and may preempt the Python threads")]
    public static partial void NoBatchScheduling(ILogger logger, int errno);

    [LoggerMessage(EventId = 68, Level = LogLevel.Warning, Message = "Workers cannot share connection counts ({Failure}): each accepts new connections as fast as it can, so a burst of keep-alive connections may land on one worker")]
    public static partial void NoAcceptBoard(ILogger logger, string failure);

    [LoggerMessage(EventId = 69, Level = LogLevel.Warning, Message = "Worker {Id} is past the {Capacity} workers that take turns accepting connections; it accepts as fast as it can")]
    public static partial void AcceptBoardFull(ILogger logger, int id, int capacity);

    [LoggerMessage(EventId = 70, Level = LogLevel.Warning, Message = "Worker {Id}: could not start {Python} to run it ({Error}); starting it as a dram process embedding libpython instead")]
    public static partial void WorkerHostFailed(ILogger logger, int id, string python, string error);

    [LoggerMessage(EventId = 71, Level = LogLevel.Information, Message = "Python {PythonVersion} ({Executable}, running this worker){VirtualEnv}")]
    public static partial void PythonHost(ILogger logger, string pythonVersion, string executable, string virtualEnv);

    [LoggerMessage(EventId = 73, Level = LogLevel.Warning, Message = "{Signals} ignored in this process (inherited from whatever started dram, as nohup does for SIGHUP, and kept because the master could not re-execute itself: DRAM_NO_PROCESS_TITLE=1, or exec failed): dram cannot act on them; kill -HUP will not reload. Start dram without the ignoring, or without DRAM_NO_PROCESS_TITLE")]
    public static partial void SignalsIgnored(ILogger logger, string signals);

    [LoggerMessage(EventId = 74, Level = LogLevel.Warning, Message = "Out of file descriptors: this worker holds as many as its open-files limit ({Limit}) allows, so new connections to {Address} wait in the listen backlog until one closes (accept retried every 10 ms). Raise the limit with `ulimit -n` in the shell that starts dram, or LimitNOFILE= in its systemd unit, or run more workers")]
    public static partial void OutOfDescriptors(ILogger logger, string limit, string address);

    [LoggerMessage(EventId = 75, Level = LogLevel.Warning, Message = "Cannot accept connections to {Address}: {Reason}; they wait in the listen backlog and accept is retried every 10 ms{Hint}")]
    public static partial void AcceptFailing(ILogger logger, string address, string reason, string hint);

    [LoggerMessage(EventId = 76, Level = LogLevel.Information, Message = "Accepting connections to {Address} again after {Milliseconds} ms")]
    public static partial void AcceptingAgain(ILogger logger, string address, long milliseconds);
}
