using System.Globalization;
using Dram.Logging;
using Dram.Wsgi;
using Microsoft.Extensions.Logging;

namespace Dram.Metrics;

/// <summary>
/// <c>--statsd-host</c>: once a second, sends what happened since the last time under Gunicorn's
/// metric names and types, so existing dashboards keep working. A worker sends its requests
/// (<c>gunicorn.requests</c>, <c>gunicorn.request.status.NNN</c> counters and one
/// <c>gunicorn.request.duration</c> timer sample per request); the master sends the
/// <c>gunicorn.workers</c> gauge; both count their warning, error and critical log lines
/// (<c>gunicorn.log.*</c>). Batching per second turns a counter's many increments into one line.
/// </summary>
internal sealed class StatsdReporter : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly (LogLevel Level, string Name)[] LogLevels =
        [(LogLevel.Warning, "warning"), (LogLevel.Error, "error"), (LogLevel.Critical, "critical")];

    private readonly StatsdClient _client;
    private readonly string _prefix;
    private readonly ErrorLog _errorLog;
    private readonly RequestMetrics? _requests;
    private readonly Func<int>? _workers;
    private readonly Lock _flushing = new();
    private readonly long[] _statusCodes = new long[RequestMetrics.StatusCodeSlots];
    private readonly long[] _statusCodesSent = new long[RequestMetrics.StatusCodeSlots];
    private readonly long[] _samples = new long[RequestMetrics.SampleCapacity];
    private readonly long[] _logLinesSent = new long[LogLevels.Length];
    private readonly Timer _timer;
    private bool _disposed;

    /// <param name="requests">A worker's request counters; null in the master.</param>
    /// <param name="workers">The number of workers alive; null in a worker.</param>
    public StatsdReporter(StatsdClient client, string prefix, ErrorLog errorLog, RequestMetrics? requests, Func<int>? workers)
    {
        _client = client;
        _prefix = prefix;
        _errorLog = errorLog;
        _requests = requests;
        _workers = workers;
        for (var i = 0; i < LogLevels.Length; i++)
        {
            // Lines logged before reporting started (start-up) are not news to a dashboard.
            _logLinesSent[i] = errorLog.Written(LogLevels[i].Level);
        }
        _timer = new Timer(_ => Flush(), null, Interval, Interval);
    }

    private void Flush()
    {
        lock (_flushing)
        {
            if (!_disposed)
            {
                Send();
            }
        }
    }

    /// <summary>Sends what happened since the last time; the lock is held.</summary>
    private void Send()
    {
        if (_requests is not null)
        {
            AddRequests(_requests);
        }
        if (_workers is not null)
        {
            _client.Add(Line("gunicorn.workers", _workers().ToString(CultureInfo.InvariantCulture), "g"));
        }
        for (var i = 0; i < LogLevels.Length; i++)
        {
            var written = _errorLog.Written(LogLevels[i].Level);
            if (written > _logLinesSent[i])
            {
                _client.Add(Line($"gunicorn.log.{LogLevels[i].Name}", (written - _logLinesSent[i]).ToString(CultureInfo.InvariantCulture), "c"));
                _logLinesSent[i] = written;
            }
        }
        _client.Flush();
    }

    private void AddRequests(RequestMetrics requests)
    {
        requests.CopyStatusCodes(_statusCodes);
        long total = 0;
        for (var code = 100; code < _statusCodes.Length; code++)
        {
            var delta = _statusCodes[code] - _statusCodesSent[code];
            if (delta > 0)
            {
                total += delta;
                _client.Add(Line($"gunicorn.request.status.{code}", delta.ToString(CultureInfo.InvariantCulture), "c"));
                _statusCodesSent[code] = _statusCodes[code];
            }
        }
        if (total > 0)
        {
            _client.Add(Line("gunicorn.requests", total.ToString(CultureInfo.InvariantCulture), "c"));
        }
        var kept = requests.DrainDurationSamples(_samples, out var observed);
        // More requests ended than the samples kept: say so, and StatsD scales the timer's count back up.
        var rate = kept < observed ? "|@" + ((double)kept / observed).ToString("0.####", CultureInfo.InvariantCulture) : "";
        for (var i = 0; i < kept; i++)
        {
            var milliseconds = _samples[i] * 1000.0 / System.Diagnostics.Stopwatch.Frequency;
            _client.Add(Line("gunicorn.request.duration", milliseconds.ToString("0.###", CultureInfo.InvariantCulture), "ms") + rate);
        }
    }

    private string Line(string name, string value, string type) => $"{_prefix}{name}:{value}|{type}";

    /// <summary>Stops the timer and sends what is left (a worker's last requests before it exits).</summary>
    public void Dispose()
    {
        _timer.Dispose();
        // A timer callback already started may still be waiting for the lock: it finds the flag.
        lock (_flushing)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            Send();
            _client.Dispose();
        }
    }
}
