using Dram.Configuration;
using Dram.Hosting;
using Dram.Logging;
using Dram.Processes;
using Microsoft.Extensions.Logging;

namespace Dram.Metrics;

/// <summary>
/// The master's side of <c>--metrics-bind</c> and <c>--statsd-host</c>: what the arbiter tells it
/// (reports, exits, restarts) and what it serves or sends. Every call does nothing when both are off.
/// </summary>
internal sealed class MasterMetrics : IAsyncDisposable
{
    private readonly ServerConfig _config;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _log;
    private readonly ClusterMetrics? _cluster;
    private readonly StatsdReporter? _statsd;
    private ListeningSockets? _socket;
    private MetricsEndpoint? _endpoint;
    private volatile int _workersAlive;

    public MasterMetrics(ServerConfig config, ErrorLog errorLog, ILoggerFactory loggerFactory)
    {
        _config = config;
        _loggerFactory = loggerFactory;
        _log = loggerFactory.CreateLogger("dram.metrics");
        if (config.MetricsBind is not null)
        {
            _cluster = new ClusterMetrics();
        }
        if (config.StatsdHost is { } statsd)
        {
            _statsd = new StatsdReporter(new StatsdClient(statsd, _log), config.StatsdPrefix, errorLog, requests: null, () => _workersAlive);
        }
    }

    /// <summary>
    /// Binds <c>--metrics-bind</c> and starts answering scrapes, once, alongside the app's own
    /// sockets; throws <see cref="BindException"/> naming the setting when the address cannot be had.
    /// </summary>
    public void Listen()
    {
        if (_cluster is null || _socket is not null)
        {
            return;
        }
        try
        {
            _socket = new ListeningSockets([_config.MetricsBind!], backlog: 64, umask: 0);
        }
        catch (BindException e)
        {
            throw new BindException($"--metrics-bind: {e.Message}");
        }
        _endpoint = new MetricsEndpoint(_cluster.Render);
        MetricsLog.Serving(_log, _socket.Displays[0] + MetricsEndpoint.Path);
        _ = StartAsync(_endpoint, _socket.Descriptors);
    }

    private async Task StartAsync(MetricsEndpoint endpoint, int[] descriptors)
    {
        try
        {
            await endpoint.StartAsync(_config, descriptors, _loggerFactory);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            MetricsLog.EndpointFailed(_log, e.Message);
        }
    }

    /// <summary>Takes a worker's METRICS line (the fields after the verb).</summary>
    public void WorkerReported(int worker, string fields)
    {
        if (_cluster is not null && WorkerMetricsSnapshot.Parse(fields) is { } snapshot)
        {
            _cluster.Report(worker, snapshot);
        }
    }

    public void WorkerMemory(int worker, long residentBytes) => _cluster?.ResidentMemory(worker, residentBytes);

    /// <summary>A worker's control connection ended: nothing more will come from it.</summary>
    public void WorkerGone(int worker) => _cluster?.Retire(worker);

    public void WorkerRestarted(string reason) => _cluster?.Restarted(reason);

    public void WorkersAlive(int count)
    {
        _workersAlive = count;
        _cluster?.WorkersAlive(count);
    }

    public async ValueTask DisposeAsync()
    {
        _statsd?.Dispose();
        if (_endpoint is not null)
        {
            await _endpoint.StopAsync();
        }
        _socket?.Dispose();
    }
}
