using System.Diagnostics;
using Dram.Configuration;
using Dram.Logging;
using Dram.Wsgi;
using Microsoft.Extensions.Logging;

namespace Dram.Metrics;

/// <summary>
/// A worker's side of <c>--metrics-bind</c> and <c>--statsd-host</c>: the request counters the
/// request path adds to, the snapshot line the heartbeat sends the master, and the StatsD reporter.
/// Does not exist when both are off.
/// </summary>
internal sealed class WorkerMetrics : IDisposable
{
    private readonly ServerConfig _config;
    private readonly ErrorLog _errorLog;
    private readonly ILogger _log;
    private WsgiThreadPool? _pool;
    private StatsdReporter? _statsd;

    private WorkerMetrics(ServerConfig config, ErrorLog errorLog, ILogger log)
    {
        _config = config;
        _errorLog = errorLog;
        _log = log;
        Requests = new RequestMetrics(aggregates: config.MetricsBind is not null, perRequest: config.StatsdHost is not null);
    }

    public static WorkerMetrics? Create(ServerConfig config, ErrorLog errorLog, ILogger log) =>
        config.MetricsBind is null && config.StatsdHost is null ? null : new WorkerMetrics(config, errorLog, log);

    public RequestMetrics Requests { get; }

    /// <summary>Starts reporting once the Python threads run.</summary>
    public void Start(WsgiThreadPool pool)
    {
        _pool = pool;
        if (_config.StatsdHost is { } statsd)
        {
            _statsd = new StatsdReporter(new StatsdClient(statsd, _log), _config.StatsdPrefix, _errorLog, Requests, workers: null);
        }
    }

    /// <summary>The METRICS line for the master, or null without <c>--metrics-bind</c>.</summary>
    public string? ReportLine()
    {
        if (_config.MetricsBind is null || _pool is not { } pool)
        {
            return null;
        }
        var snapshot = new WorkerMetricsSnapshot();
        Requests.CopyRequests(snapshot.Requests);
        Requests.CopyDurationBuckets(snapshot.DurationBuckets);
        snapshot.DurationMicroseconds = (long)(Requests.DurationTicks * (1e6 / Stopwatch.Frequency));
        snapshot.ResponseBodyBytes = Requests.ResponseBodyBytes;
        snapshot.RequestsTimedOut = pool.RequestsTimedOut;
        snapshot.InFlight = Requests.InFlight;
        snapshot.BusyThreads = pool.BusyThreads;
        snapshot.QueuedRequests = pool.QueuedRequests;
        snapshot.Threads = pool.ThreadCount;
        return snapshot.Format();
    }

    /// <summary>Sends the StatsD metrics not sent yet.</summary>
    public void Dispose() => _statsd?.Dispose();
}
