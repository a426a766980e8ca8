using System.Globalization;
using Dram.Wsgi;

namespace Dram.Metrics;

/// <summary>
/// The master's view of every worker's metrics, rendered for Prometheus. Counters are totals over
/// all workers that ever ran: when a worker's control connection ends (after its last report), its
/// counters move into the retired totals, so they never go back when workers are replaced. Gauges
/// are summed over the workers alive. Updated from the master's event loop, read by scrapes on
/// Kestrel's threads, hence the lock (the master serves no app requests).
/// </summary>
internal sealed class ClusterMetrics
{
    private readonly Lock _lock = new();
    private readonly WorkerMetricsSnapshot _retired = new();
    private readonly SortedDictionary<int, WorkerMetricsSnapshot> _live = [];
    private readonly SortedDictionary<int, long> _residentBytes = [];
    private readonly Dictionary<string, long> _restarts = RestartReason.All.ToDictionary(r => r, _ => 0L);
    private int _workersAlive;

    public void Report(int worker, WorkerMetricsSnapshot snapshot)
    {
        lock (_lock)
        {
            if (_live.TryGetValue(worker, out var known))
            {
                known.Update(snapshot);
            }
            else
            {
                _live[worker] = snapshot;
            }
        }
    }

    public void ResidentMemory(int worker, long bytes)
    {
        lock (_lock)
        {
            _residentBytes[worker] = bytes;
        }
    }

    /// <summary>The worker's control connection ended: its last report is final.</summary>
    public void Retire(int worker)
    {
        lock (_lock)
        {
            if (_live.Remove(worker, out var last))
            {
                _retired.AddCounters(last);
            }
            _residentBytes.Remove(worker);
        }
    }

    public void Restarted(string reason)
    {
        lock (_lock)
        {
            _restarts[reason]++;
        }
    }

    public void WorkersAlive(int count)
    {
        lock (_lock)
        {
            _workersAlive = count;
        }
    }

    public string Render()
    {
        var total = new WorkerMetricsSnapshot();
        lock (_lock)
        {
            total.AddCounters(_retired);
            foreach (var snapshot in _live.Values)
            {
                total.AddCounters(snapshot);
                total.InFlight += snapshot.InFlight;
                total.BusyThreads += snapshot.BusyThreads;
                total.QueuedRequests += snapshot.QueuedRequests;
                total.Threads += snapshot.Threads;
            }
            var text = new PrometheusText();
            WriteRequests(text, total);
            WriteGauges(text, total);
            WriteWorkers(text);
            return text.ToString();
        }
    }

    private static void WriteRequests(PrometheusText text, WorkerMetricsSnapshot total)
    {
        text.Family("dram_http_requests_total", "counter",
            "Requests answered by the workers (the app and --static-map files), by method and status class.");
        var classes = RequestMetrics.StatusClasses;
        for (var m = 0; m < RequestMetrics.Methods.Count; m++)
        {
            for (var c = 0; c < classes.Count; c++)
            {
                var count = total.Requests[m * classes.Count + c];
                if (count > 0)
                {
                    text.Sample("dram_http_requests_total", count, ("method", RequestMetrics.Methods[m]), ("status", classes[c]));
                }
            }
        }

        text.Family("dram_http_request_duration_seconds", "histogram",
            "Time from a request's headers having arrived to its response having been sent.");
        long cumulative = 0;
        for (var b = 0; b < total.DurationBuckets.Length; b++)
        {
            cumulative += total.DurationBuckets[b];
            var bound = b < RequestMetrics.DurationBounds.Count ? RequestMetrics.DurationBounds[b] : double.PositiveInfinity;
            text.Sample("dram_http_request_duration_seconds_bucket", cumulative, ("le", PrometheusText.Number(bound)));
        }
        text.Sample("dram_http_request_duration_seconds_sum", total.DurationMicroseconds / 1e6);
        text.Sample("dram_http_request_duration_seconds_count", cumulative);

        text.Family("dram_http_response_body_bytes_total", "counter", "Response body bytes sent (headers not included).");
        text.Sample("dram_http_response_body_bytes_total", total.ResponseBodyBytes);

        text.Family("dram_request_timeouts_total", "counter", "Requests answered 504 because they ran past --timeout.");
        text.Sample("dram_request_timeouts_total", total.RequestsTimedOut);
    }

    private static void WriteGauges(PrometheusText text, WorkerMetricsSnapshot total)
    {
        text.Family("dram_http_requests_in_flight", "gauge", "Requests being handled now.");
        text.Sample("dram_http_requests_in_flight", total.InFlight);
        text.Family("dram_python_threads", "gauge", "Python threads serving requests (--threads times the workers).");
        text.Sample("dram_python_threads", total.Threads);
        text.Family("dram_python_threads_busy", "gauge", "Python threads running a request now.");
        text.Sample("dram_python_threads_busy", total.BusyThreads);
        text.Family("dram_python_queued_requests", "gauge", "Requests waiting for a free Python thread.");
        text.Sample("dram_python_queued_requests", total.QueuedRequests);
    }

    private void WriteWorkers(PrometheusText text)
    {
        text.Family("dram_workers", "gauge", "Worker processes alive (starting, serving or finishing their requests).");
        text.Sample("dram_workers", _workersAlive);
        text.Family("dram_worker_restarts_total", "counter", "Workers replaced, by reason.");
        foreach (var reason in RestartReason.All)
        {
            text.Sample("dram_worker_restarts_total", _restarts[reason], ("reason", reason));
        }
        text.Family("dram_worker_resident_memory_bytes", "gauge", "Resident memory (RSS) of each worker, by worker id.");
        foreach (var (worker, bytes) in _residentBytes)
        {
            text.Sample("dram_worker_resident_memory_bytes", bytes, ("worker", worker.ToString(CultureInfo.InvariantCulture)));
        }
    }
}
