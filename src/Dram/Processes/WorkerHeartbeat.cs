using Dram.Configuration;
using Dram.Logging;
using Dram.Metrics;
using Dram.Wsgi;
using Microsoft.Extensions.Logging;

namespace Dram.Processes;

/// <summary>
/// Once a second, on a .NET thread that app code cannot block, tells the master the worker is
/// alive and asks to be replaced when a recycling limit is reached: --max-requests (plus this
/// worker's share of --max-requests-jitter), --max-worker-memory (RSS), --max-worker-lifetime.
/// The master starts the replacement first and only then drains this worker. With --metrics-bind
/// each beat also carries the worker's metrics.
/// </summary>
internal sealed class WorkerHeartbeat : IDisposable
{
    private readonly ControlChannel _control;
    private readonly WsgiHttpApplication _application;
    private readonly ServerConfig _config;
    private readonly ILogger _log;
    private readonly WorkerMetrics? _metrics;
    private readonly int _workerId;
    private readonly long _maxRequests;
    private readonly DateTime _started = DateTime.UtcNow;
    private readonly Timer _timer;
    private bool _recycleAsked;

    public WorkerHeartbeat(ControlChannel control, WsgiHttpApplication application, ServerConfig config, WorkerIdentity identity, ILogger log, WorkerMetrics? metrics)
    {
        _metrics = metrics;
        _control = control;
        _application = application;
        _config = config;
        _log = log;
        _workerId = identity.Id;
        _maxRequests = config.MaxRequests <= 0 ? 0 : config.MaxRequests + (config.MaxRequestsJitter > 0 ? Random.Shared.Next(0, config.MaxRequestsJitter + 1) : 0);
        if (_maxRequests > 0)
        {
            // Asked as the limit is reached rather than at the next beat, so a busy worker does not
            // overshoot its limit by a second's worth of requests.
            application.OnRequestLimit(_maxRequests, () => AskForReplacement(RestartReason.MaxRequests, $"max-requests ({application.Served} served, limit {_maxRequests})"));
        }
        _timer = new Timer(_ => Beat(), null, TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    private void Beat()
    {
        var served = _application.Served;
        var rss = ProcessMemory.ResidentBytes();
        try
        {
            _control.Send($"HEARTBEAT {served} {rss}");
            if (_metrics?.ReportLine() is { } report)
            {
                _control.Send(report);
            }
            if (_maxRequests > 0 && served >= _maxRequests)
            {
                AskForReplacement(RestartReason.MaxRequests, $"max-requests ({served} served, limit {_maxRequests})");
            }
            else if (_config.MaxWorkerMemoryMb > 0 && rss > _config.MaxWorkerMemoryMb * 1024L * 1024L)
            {
                AskForReplacement(RestartReason.MaxWorkerMemory, $"max-worker-memory (RSS {rss / (1024 * 1024)} MB, limit {_config.MaxWorkerMemoryMb} MB)");
            }
            else if (_config.MaxWorkerLifetime > 0 && DateTime.UtcNow - _started > TimeSpan.FromSeconds(_config.MaxWorkerLifetime))
            {
                AskForReplacement(RestartReason.MaxWorkerLifetime, $"max-worker-lifetime ({_config.MaxWorkerLifetime} s)");
            }
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // The master is gone; the worker notices on its control connection and stops.
        }
    }

    /// <summary>
    /// Asks the master (once) to start a replacement and then drain this worker; <paramref name="kind"/>
    /// is one of <see cref="RestartReason"/>'s, <paramref name="reason"/> the detail for the log.
    /// </summary>
    public void AskForReplacement(string kind, string reason)
    {
        lock (_timer)
        {
            if (_recycleAsked)
            {
                return;
            }
            _recycleAsked = true;
        }
        ServerLog.RecycleRequested(_log, _workerId, reason);
        try
        {
            _control.Send($"RECYCLE {kind} {reason}");
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
        }
    }

    public void Dispose() => _timer.Dispose();
}
