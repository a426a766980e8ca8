using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Dram.Configuration;
using Dram.Hosting;
using Dram.Logging;
using Dram.Metrics;
using Dram.Reloading;
using Microsoft.Extensions.Logging;

namespace Dram.Processes;

/// <summary>
/// The master process, top to bottom. It runs no app code: it starts workers, binds the listening
/// sockets when the first worker has loaded the app, hands them over, and reacts to events one at a
/// time from a single queue (signal handlers, worker messages and exits only enqueue):
/// TERM/INT graceful stop, QUIT immediate stop, HUP rolling reload, TTIN/TTOU one worker more or
/// less, USR1 reopen logs; a dead worker is replaced (with back-off if it keeps dying young); a
/// worker that asks to be recycled is replaced before it is drained. With --reload, a change to the
/// app's source files starts the same rolling reload as HUP; --metrics-bind and --statsd-host
/// report what the workers tell the master.
/// </summary>
public sealed partial class Arbiter
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    /// <summary>How long workers told to stop at once (SIGQUIT) may take before they are killed.</summary>
    private const int ImmediateStopSeconds = 5;

    /// <summary>A worker that dies younger than this counts as crashing at start, and restarts back off.</summary>
    private static readonly TimeSpan QuickCrash = TimeSpan.FromSeconds(10);

    private readonly ServerConfig _config;
    private readonly ErrorLog _errorLog;
    private readonly ILogger _log;
    private readonly string[] _args;
    private readonly MasterHooks? _hooks;
    private readonly string _handoff;
    private readonly Channel<Event> _events = Channel.CreateUnbounded<Event>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<WorkerProcess> _workers = [];
    private readonly string _controlDirectory;
    private readonly string _controlPath;
    private readonly IReadOnlyList<(int Descriptor, string Name)> _systemdSockets = SystemdSockets.Take();
    private readonly SystemdNotifier _systemd = new();
    private readonly MasterMetrics _metrics;
    private readonly SourceWatcher? _sourceWatcher;
    private bool _reloadWhenAccepting;
    private ListeningSockets? _sockets;
    private AcceptBoard? _acceptBoard;
    private readonly (string Python, string Library, string Probe)? _workerHost;
    private bool _reloading;
    private int _target;
    private int _nextId = 1;
    private int _generation;
    private bool _everAccepted;
    private int _quickCrashes;
    private DateTime _respawnNotBefore = DateTime.MinValue;

    public Arbiter(ServerConfig config, ErrorLog errorLog, ILogger log, string[] args, ILoggerFactory loggerFactory, MasterHooks? hooks = null)
    {
        _metrics = new MasterMetrics(config, errorLog, loggerFactory);
        if (config.Reload)
        {
            _sourceWatcher = new SourceWatcher(config.ReloadEngine, files => _events.Writer.TryWrite(new SourcesChangedEvent(files)), log);
            foreach (var file in config.ReloadExtraFiles)
            {
                _sourceWatcher.Watch(file);
            }
        }
        _config = config;
        _errorLog = errorLog;
        _log = log;
        _args = args;
        _hooks = hooks;
        _handoff = config.Resolved.ToHandoff();
        _target = config.Workers;
        _controlDirectory = Directory.CreateTempSubdirectory("dram-").FullName;
        File.SetUnixFileMode(_controlDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _controlPath = Path.Combine(_controlDirectory, "control.sock");
        _workerHost = FindWorkerHost(config);
    }

    /// <summary>
    /// The Python executable that runs the workers and the library it loads, when Dram was built
    /// with one (the native build); null runs workers as dram processes embedding libpython, which
    /// is also how a Python that cannot be found gets its error reported (by the worker).
    /// </summary>
    private static (string Python, string Library, string Probe)? FindWorkerHost(ServerConfig config)
    {
        var library = Path.Combine(Path.GetDirectoryName(Environment.ProcessPath) ?? ".", HostedWorker.LibraryName);
        if (!File.Exists(library))
        {
            return null;
        }
        try
        {
            // A config file was read with this interpreter already (SettingsResolver): no second probe.
            var installation = Dram.Python.PythonRuntime.Installation ?? Dram.Python.PythonInstallation.Discover(config.Python);
            return (installation.Executable, library, installation.ProbeOutput);
        }
        catch (Dram.Python.PythonLoadException)
        {
            return null;
        }
    }

    private abstract record Event;

    private sealed record SignalEvent(PosixSignal Signal) : Event;

    private sealed record MessageEvent(WorkerProcess Worker, string Line) : Event;

    private sealed record ExitEvent(WorkerProcess Worker) : Event;

    private sealed record TickEvent : Event;

    /// <summary>A worker's control connection ended; every line it sent was handled before this.</summary>
    private sealed record DisconnectedEvent(WorkerProcess Worker) : Event;

    private sealed record SourcesChangedEvent(IReadOnlyList<string> Files) : Event;

    public async Task<int> RunAsync()
    {
        ServerLog.Starting(_log, Program.Version);
        if (_config.ConfigFile is { } configFile)
        {
            ServerLog.ConfigFile(_log, configFile);
        }
        foreach (var setting in _config.Unsupported)
        {
            ServerLog.Unsupported(_log, setting);
        }
        foreach (var warning in _config.Tls?.Warnings ?? [])
        {
            ServerLog.TlsWarning(_log, warning);
        }
        if (CheckCertificate() is { } problem)
        {
            _log.LogCritical("{Message}", problem);
            return Program.ExitUsage;
        }
        if (_config.WorkerAccount is { } account)
        {
            ServerLog.WorkerAccount(_log, account.Display);
        }
        if (_sourceWatcher is not null)
        {
            ReloadLog.Watching(_log, _sourceWatcher.Engine, string.Join(", ", [_config.Chdir, .. _config.PythonPath]),
                _config.ReloadExtraFiles.Count == 0 ? "" : " and " + string.Join(", ", _config.ReloadExtraFiles));
        }
        else if (_config.ReloadExtraFiles.Count > 0)
        {
            ReloadLog.ExtraFilesWithoutReload(_log);
        }
        if (_config.CaptureOutput && _config.ErrorLog == "-")
        {
            ServerLog.CaptureOutputWithoutFile(_log);
        }
        foreach (var warning in _config.Resolved.Warnings)
        {
            ServerLog.ConfigWarning(_log, warning);
        }
        using var control = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        control.Bind(new UnixDomainSocketEndPoint(_controlPath));
        if (_config.WorkerAccount is { } owner)
        {
            // Workers connect after switching to --user: they may reach the socket (the directory
            // can be traversed, the socket is theirs), but not replace it (the directory is not).
            File.SetUnixFileMode(_controlDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            owner.GiveOwnership(_controlPath);
            File.SetUnixFileMode(_controlPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        control.Listen(512);
        _ = AcceptWorkersAsync(control);

        var registrations = new List<PosixSignalRegistration>();
        foreach (var (signal, _, _) in IgnoredSignals.MasterSignals)
        {
            registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                _events.Writer.TryWrite(new SignalEvent(context.Signal));
            }));
        }
        if (IgnoredSignals.StillIgnored() is { Count: > 0 } ignored)
        {
            ServerLog.SignalsIgnored(_log, string.Join(", ", ignored));
        }
        using var ticker = new Timer(_ => _events.Writer.TryWrite(new TickEvent()), null, Tick, Tick);
        WritePidfile();

        try
        {
            _hooks?.WorkersChanged(_target, null);
            _hooks?.OnStarting(_target);
            for (var i = 0; i < _target; i++)
            {
                Spawn(replaces: null);
            }
            while (true)
            {
                var next = await _events.Reader.ReadAsync();
                var exitCode = next switch
                {
                    SignalEvent s => await OnSignalAsync(s.Signal),
                    MessageEvent m => OnMessage(m.Worker, m.Line),
                    ExitEvent e => OnExit(e.Worker),
                    DisconnectedEvent d => OnDisconnected(d.Worker),
                    SourcesChangedEvent c => OnSourcesChanged(c.Files),
                    _ => OnTick(),
                };
                if (exitCode is { } code)
                {
                    return code;
                }
            }
        }
        finally
        {
            foreach (var registration in registrations)
            {
                registration.Dispose();
            }
            _sourceWatcher?.Dispose();
            await _metrics.DisposeAsync();
            _sockets?.RemoveUnixSocketFiles();
            _sockets?.Dispose();
            _acceptBoard?.Dispose();
            RemovePidfile();
            _hooks?.OnExit(_target);
            try
            {
                Directory.Delete(_controlDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <param name="reason">Why <paramref name="replaces"/> is replaced (a <see cref="RestartReason"/>), counted once the replacement serves.</param>
    private void Spawn(WorkerProcess? replaces, string? reason = null)
    {
        var id = _nextId++;
        Process process;
        try
        {
            process = StartWorker(id, _workerHost);
        }
        catch (System.ComponentModel.Win32Exception e) when (_workerHost is { } host)
        {
            // The interpreter went away (a virtualenv removed or rebuilt): a dram process embedding
            // it reports what is wrong the usual way, or serves if it can.
            ServerLog.WorkerHostFailed(_log, id, host.Python, e.Message);
            process = StartWorker(id, null);
        }
        var worker = new WorkerProcess(id, _generation, process) { Replaces = replaces, ReplacementReason = reason };
        if (replaces is not null)
        {
            replaces.ReplacedBy = worker;
        }
        process.Exited += (_, _) => _events.Writer.TryWrite(new ExitEvent(worker));
        _workers.Add(worker);
        _metrics.WorkersAlive(_workers.Count);
        ServerLog.BootingWorker(_log, id, worker.Pid);
    }

    /// <summary>
    /// Starts worker <paramref name="id"/>: the Python executable running the worker library when
    /// there is a <paramref name="host"/>, else this executable (which embeds libpython).
    /// </summary>
    private Process StartWorker(int id, (string Python, string Library, string Probe)? host)
    {
        var start = new ProcessStartInfo(host?.Python ?? Environment.ProcessPath!) { UseShellExecute = false };
        if (host is { } hosted)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(HostedWorker.Bootstrap);
            start.ArgumentList.Add(hosted.Probe);
            start.Environment[HostedWorker.LibraryVariable] = hosted.Library;
            // Read by the runtime as it starts inside Python (ProcessTitle says why).
            if (Environment.GetEnvironmentVariable("DOTNET_GCgen0size") is null)
            {
                start.Environment["DOTNET_GCgen0size"] = "400000";
            }
        }
        // -e and raw_env: in the environment the worker starts with, where Python reads os.environ
        // from as it starts (before Dram runs, when Python runs the worker).
        foreach (var (key, value) in _config.Environment)
        {
            start.Environment[key] = value;
        }
        foreach (var arg in _args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment[WorkerIdentity.IdVariable] = id.ToString(CultureInfo.InvariantCulture);
        start.Environment[WorkerIdentity.GenerationVariable] = _generation.ToString(CultureInfo.InvariantCulture);
        start.Environment[WorkerIdentity.ControlVariable] = _controlPath;
        start.Environment.Remove(ProcessTitle.ArgumentsVariable);
        start.Environment[EffectiveSettings.HandoffVariable] = _handoff;
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.Start();
        return process;
    }

    private async Task AcceptWorkersAsync(Socket control)
    {
        while (true)
        {
            Socket connection;
            try
            {
                connection = await control.AcceptAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = ReadWorkerAsync(new ControlChannel(connection));
        }
    }

    /// <summary>Relays a worker's lines to the event queue; the first line (BOOTED id pid) says which worker it is.</summary>
    private async Task ReadWorkerAsync(ControlChannel channel)
    {
        var first = await channel.ReadLineAsync();
        var parts = first?.Split(' ');
        if (parts is not ["BOOTED", var idText, _] || !int.TryParse(idText, out var id))
        {
            channel.Dispose();
            return;
        }
        WorkerProcess? worker;
        lock (_workers)
        {
            worker = _workers.Find(w => w.Id == id);
        }
        if (worker is null)
        {
            channel.Dispose();
            return;
        }
        worker.Control = channel;
        _events.Writer.TryWrite(new MessageEvent(worker, first!));
        while (await channel.ReadLineAsync() is { } line)
        {
            _events.Writer.TryWrite(new MessageEvent(worker, line));
        }
        _events.Writer.TryWrite(new DisconnectedEvent(worker));
    }

    private async Task<int?> OnSignalAsync(PosixSignal signal)
    {
        switch (signal)
        {
            case PosixSignal.SIGTERM or PosixSignal.SIGINT:
                ServerLog.Signal(_log, signal == PosixSignal.SIGTERM ? "term" : "int");
                return await StopAsync(graceful: true);
            case PosixSignal.SIGQUIT:
                ServerLog.Signal(_log, "quit");
                return await StopAsync(graceful: false);
            case PosixSignal.SIGHUP:
                ServerLog.Signal(_log, "hup");
                if (CheckCertificate() is { } problem)
                {
                    // New workers would fail to load it: keep the ones serving with the certificate they have.
                    ServerLog.ReloadRefused(_log, problem);
                    return null;
                }
                Reload();
                return null;
            case PosixSignal.SIGTTIN:
                ServerLog.Signal(_log, "ttin");
                _target++;
                ServerLog.WorkerCount(_log, _target);
                _hooks?.WorkersChanged(_target, _target - 1);
                _systemd.Status(Status());
                Spawn(replaces: null);
                return null;
            case PosixSignal.SIGTTOU:
                ServerLog.Signal(_log, "ttou");
                if (_target > 1)
                {
                    _target--;
                    ServerLog.WorkerCount(_log, _target);
                    _hooks?.WorkersChanged(_target, _target + 1);
                    _systemd.Status(Status());
                    var oldest = _workers.Where(w => w.CountsTowardTarget).OrderBy(w => w.Started).FirstOrDefault();
                    if (oldest is not null)
                    {
                        Retire(oldest, SignalNumbers.Term);
                    }
                }
                return null;
            default:
                ServerLog.Signal(_log, "usr1");
                _errorLog.Reopen();
                // A worker installs its USR1 handler before it reports BOOTED; one still loading
                // would be ended by USR1's default action (and has no log open to reopen yet).
                foreach (var worker in _workers.Where(w => !w.Exited))
                {
                    if (!worker.Booted)
                    {
                        worker.ReopenLogsWhenBooted = true;
                    }
                    else
                    {
                        Kill(worker.Pid, SignalNumbers.Usr1);
                    }
                }
                return null;
        }
    }

    private int? OnMessage(WorkerProcess worker, string line)
    {
        var space = line.IndexOf(' ');
        var verb = space < 0 ? line : line[..space];
        var rest = space < 0 ? "" : line[(space + 1)..];
        switch (verb)
        {
            case "BOOTED":
                worker.Booted = true;
                if (_sockets is null)
                {
                    try
                    {
                        _sockets = _systemdSockets.Count > 0
                            ? ListeningSockets.FromSystemd(_systemdSockets)
                            : new ListeningSockets(_config.Binds, _config.Backlog, _config.Umask, _config.Tls is not null, _config.WorkerAccount);
                    }
                    catch (BindException e)
                    {
                        _log.LogCritical("{Message}", e.Message);
                        KillAll(SignalNumbers.Kill);
                        return Program.ExitBind;
                    }
                    try
                    {
                        _metrics.Listen();
                    }
                    catch (BindException e)
                    {
                        _log.LogCritical("{Message}", e.Message);
                        KillAll(SignalNumbers.Kill);
                        return Program.ExitBind;
                    }
                    foreach (var display in _sockets.Displays)
                    {
                        ServerLog.Listening(_log, display, Environment.ProcessId);
                    }
                    _acceptBoard = AcceptBoard.Create(out var failure);
                    if (failure is not null)
                    {
                        ServerLog.NoAcceptBoard(_log, failure);
                    }
                }
                try
                {
                    var listening = _sockets.Descriptors;
                    worker.AcceptSlot = _acceptBoard?.Claim() ?? -1;
                    if (_acceptBoard is not null && worker.AcceptSlot < 0)
                    {
                        ServerLog.AcceptBoardFull(_log, worker.Id, AcceptBoard.Capacity);
                    }
                    // SOCKETS <listening descriptors> <accept slot>: the board's descriptor follows the sockets.
                    worker.Control!.SendWithDescriptors(
                        $"SOCKETS {listening.Length} {worker.AcceptSlot}",
                        worker.AcceptSlot < 0 ? listening : [.. listening, _acceptBoard!.Descriptor]);
                }
                catch (SocketException)
                {
                    // The worker died meanwhile; its exit event follows.
                }
                if (worker.ReopenLogsWhenBooted)
                {
                    worker.ReopenLogsWhenBooted = false;
                    Kill(worker.Pid, SignalNumbers.Usr1);
                }
                return null;
            case "ACCEPTING":
                worker.Accepting = true;
                if (!_everAccepted)
                {
                    _everAccepted = true;
                    _systemd.Ready(Status());
                    _hooks?.WhenReady(_target);
                }
                if (worker.Replaces is { Exited: false } old)
                {
                    Retire(old, SignalNumbers.Term);
                    if (worker.ReplacementReason is { } restart)
                    {
                        _metrics.WorkerRestarted(restart);
                    }
                }
                if (_reloadWhenAccepting)
                {
                    _reloadWhenAccepting = false;
                    Reload();
                }
                if (_reloading && _workers.Where(w => w.Generation == _generation && !w.Exited).All(w => w.Accepting))
                {
                    _reloading = false;
                    _systemd.Ready(Status());
                }
                return null;
            case "HEARTBEAT":
                worker.LastHeartbeat = DateTime.UtcNow;
                var fields = rest.Split(' ');
                if (fields.Length == 2 && long.TryParse(fields[0], out var served) && long.TryParse(fields[1], out var rss))
                {
                    worker.Served = served;
                    worker.ResidentBytes = rss;
                    _metrics.WorkerMemory(worker.Id, rss);
                    KillIfFarOverMemoryLimit(worker);
                }
                return null;
            case WorkerMetricsSnapshot.Verb:
                _metrics.WorkerReported(worker.Id, rest);
                return null;
            case SourceFileReporter.Verb:
                _sourceWatcher?.Watch(rest);
                return null;
            case "RECYCLE":
                if (worker.ReplacedBy is null && worker.RetiringSince is null)
                {
                    var kind = rest.Split(' ', 2)[0];
                    Spawn(replaces: worker, RestartReason.FromWorker(kind));
                }
                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// Past --max-worker-memory a worker is replaced gracefully (it asks itself), but a request that
    /// keeps allocating would grow it without bound while it drains; at twice the limit it is killed.
    /// </summary>
    private void KillIfFarOverMemoryLimit(WorkerProcess worker)
    {
        var limit = _config.MaxWorkerMemoryMb * 1024L * 1024L;
        if (limit <= 0 || worker.ResidentBytes < 2 * limit || worker.KilledOverMemory || worker.Exited)
        {
            return;
        }
        worker.KilledOverMemory = true;
        ServerLog.WorkerFarOverMemory(_log, worker.Id, worker.Pid, worker.ResidentBytes / (1024 * 1024), _config.MaxWorkerMemoryMb);
        Retire(worker, SignalNumbers.Kill);
    }

    private int? OnExit(WorkerProcess worker)
    {
        if (worker.Exited)
        {
            return null;
        }
        worker.Exited = true;
        worker.Control?.Dispose();
        _acceptBoard?.Release(worker.AcceptSlot);
        lock (_workers)
        {
            _workers.Remove(worker);
        }
        _metrics.WorkersAlive(_workers.Count);
        _hooks?.ChildExit(_target, worker.Pid, worker.Id);
        var code = worker.Process.ExitCode;
        if (worker.RetiringSince is not null)
        {
            ServerLog.WorkerStopped(_log, worker.Id, worker.Pid);
            return null;
        }

        var reason = DescribeExit(code, loading: !worker.Accepting);
        if (!worker.Accepting && code is Program.ExitAppLoad or Program.ExitPythonLoad or Program.ExitUsage)
        {
            if (!_everAccepted)
            {
                ServerLog.BootFailed(_log, worker.Id, reason);
                KillAll(SignalNumbers.Kill);
                return code;
            }
            if (worker.Replaces is { } kept)
            {
                // A reload whose new code does not import: keep serving the code that works.
                kept.ReplacedBy = null;
                ServerLog.ReloadFailed(_log, reason);
                if (_sourceWatcher is not null)
                {
                    ReloadLog.WaitingForFix(_log);
                }
                if (_reloading)
                {
                    _reloading = false;
                    _systemd.Ready(Status() + " (reload failed: previous code still serving)");
                }
                return null;
            }
        }
        if (worker.Replaces is { } replaced)
        {
            replaced.ReplacedBy = null;
        }

        _metrics.WorkerRestarted(worker.KilledForSilence ? RestartReason.Timeout : RestartReason.Crash);
        var young = DateTime.UtcNow - worker.Started < QuickCrash;
        _quickCrashes = young ? _quickCrashes + 1 : 0;
        var delay = _quickCrashes <= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, _quickCrashes - 2)));
        _respawnNotBefore = DateTime.UtcNow + delay;
        ServerLog.WorkerDied(_log, worker.Id, worker.Pid, reason,
            delay == TimeSpan.Zero ? "" : $" in {delay.TotalSeconds:0} s (it keeps dying young: {_quickCrashes} times in a row)");
        EnsureWorkerCount();
        return null;
    }

    private int? OnTick()
    {
        var now = DateTime.UtcNow;
        if (_everAccepted)
        {
            _systemd.KeepAlive();
        }
        var silentLimit = TimeSpan.FromSeconds(Math.Max(30, _config.Timeout));
        foreach (var worker in _workers.ToList())
        {
            if (worker.Exited)
            {
                continue;
            }
            if (worker.RetiringSince is { } since && now - since > TimeSpan.FromSeconds(_config.GracefulTimeout + 5))
            {
                ServerLog.WorkerKilledAfterGrace(_log, worker.Id, worker.Pid, _config.GracefulTimeout);
                Kill(worker.Pid, SignalNumbers.Kill);
            }
            else if (worker.Accepting && worker.RetiringSince is null && now - worker.LastHeartbeat > silentLimit)
            {
                ServerLog.WorkerSilent(_log, worker.Id, worker.Pid, (int)silentLimit.TotalSeconds);
                worker.KilledForSilence = true;
                Kill(worker.Pid, SignalNumbers.Kill);
            }
        }
        EnsureWorkerCount();
        return null;
    }

    private int? OnDisconnected(WorkerProcess worker)
    {
        _metrics.WorkerGone(worker.Id);
        return null;
    }

    private int? OnSourcesChanged(IReadOnlyList<string> files)
    {
        ReloadLog.Changed(_log, string.Join(", ", files));
        // Before any worker serves, a failed import would stop the master as a boot failure:
        // reload once the first worker accepts, when a failure keeps the running workers instead.
        if (!_everAccepted)
        {
            _reloadWhenAccepting = true;
            return null;
        }
        Reload();
        return null;
    }

    private void EnsureWorkerCount()
    {
        if (DateTime.UtcNow < _respawnNotBefore)
        {
            return;
        }
        var missing = _target - _workers.Count(w => w.CountsTowardTarget);
        for (var i = 0; i < missing; i++)
        {
            Spawn(replaces: null);
        }
    }

    private string Status() =>
        $"Serving {_config.AppModule} on {string.Join(", ", _sockets?.Displays ?? [])} with {_target} worker(s)";

    /// <summary>
    /// Reads the TLS files as a new worker will (at start and before a reload) and logs the
    /// certificate; the reason they cannot be used, or null.
    /// </summary>
    private string? CheckCertificate()
    {
        if (_config.Tls is not { } settings)
        {
            return null;
        }
        try
        {
            using var credentials = TlsCredentials.Load(settings);
            ServerLog.TlsCertificate(_log, credentials.Describe());
            if (credentials.ValidityProblem(DateTime.Now) is { } problem)
            {
                ServerLog.CertificateNotValidNow(_log, problem);
            }
            return null;
        }
        catch (UsageException e)
        {
            return e.Message;
        }
    }

    private void Reload()
    {
        _reloading = true;
        _systemd.Reloading();
        _generation++;
        var current = _workers.Where(w => w.CountsTowardTarget).ToList();
        ServerLog.Reloading(_log, current.Count);
        _hooks?.OnReload(_target);
        foreach (var worker in current)
        {
            Spawn(replaces: worker, RestartReason.Reload);
        }
    }

    private void Retire(WorkerProcess worker, int signal)
    {
        worker.RetiringSince ??= DateTime.UtcNow;
        Kill(worker.Pid, signal);
    }

    private async Task<int> StopAsync(bool graceful)
    {
        _systemd.Stopping();
        if (graceful)
        {
            ServerLog.ShuttingDown(_log, _config.GracefulTimeout);
        }
        foreach (var worker in _workers.Where(w => !w.Exited))
        {
            Retire(worker, graceful ? SignalNumbers.Term : SignalNumbers.Quit);
        }
        var allowed = graceful ? _config.GracefulTimeout : ImmediateStopSeconds;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(allowed + (graceful ? 5 : 0));
        while (_workers.Any(w => !w.Exited) && DateTime.UtcNow < deadline)
        {
            var wait = _events.Reader.ReadAsync().AsTask();
            if (await Task.WhenAny(wait, Task.Delay(deadline - DateTime.UtcNow)) == wait && wait.Result is ExitEvent e)
            {
                OnExit(e.Worker);
            }
        }
        foreach (var worker in _workers.Where(w => !w.Exited).ToList())
        {
            ServerLog.WorkerKilledAfterGrace(_log, worker.Id, worker.Pid, allowed);
            Kill(worker.Pid, SignalNumbers.Kill);
            worker.Process.WaitForExit(5000);
        }
        ServerLog.Stopped(_log);
        return 0;
    }

    private void KillAll(int signal)
    {
        foreach (var worker in _workers.Where(w => !w.Exited))
        {
            worker.RetiringSince ??= DateTime.UtcNow;
            Kill(worker.Pid, signal);
            worker.Process.WaitForExit(5000);
        }
    }

    /// <summary>
    /// Why a worker ended. Exit codes 3 and 4 mean a failed Python or app load only while the worker
    /// was loading; once it serves, they are the app's own exit code (os._exit(3), sys.exit(4)).
    /// </summary>
    private static string DescribeExit(int code, bool loading)
    {
        if (code > 128)
        {
            var signal = code - 128;
            return signal switch
            {
                9 => "killed by SIGKILL (perhaps the kernel's out-of-memory killer; see dmesg)",
                11 => "segmentation fault (SIGSEGV), usually a crash in a C extension; -e PYTHONFAULTHANDLER=1 logs the Python stack of the thread that crashed",
                6 => "aborted (SIGABRT)",
                7 => "bus error (SIGBUS)",
                15 => "terminated by SIGTERM from outside the master",
                _ => $"killed by signal {signal}",
            };
        }
        return (code, loading) switch
        {
            (Program.ExitAppLoad, true) => "the app could not be loaded (exit code 4)",
            (Program.ExitPythonLoad, true) => "Python could not be loaded (exit code 3)",
            (Program.ExitUsage, true) => "its TLS certificate or account could not be set up (exit code 2)",
            // A serving worker only ever exits 0 on its own; any other code came from the app.
            (not 0, false) => $"exit code {code} (the app ended the process: os._exit() or exit() in C code)",
            _ => $"exit code {code}",
        };
    }

    private void WritePidfile()
    {
        if (_config.Pidfile is { } path)
        {
            // It stays the master's: only the master writes it, and a pid the app could rewrite
            // would let app code choose what root's tools signal.
            File.WriteAllText(path, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        }
    }

    private void RemovePidfile()
    {
        if (_config.Pidfile is { } path)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
