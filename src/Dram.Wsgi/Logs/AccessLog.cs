using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Dram.Wsgi.Logs;

/// <summary>
/// <c>--access-logfile</c>: one line per request, written by one thread of its own so that a slow
/// disk or a stdout nobody reads never holds up a request. A request's end copies references
/// into a pooled entry and queues it; the writer renders what is queued and appends it with one
/// write per batch. The queue is bounded: when it is full the line is dropped and counted, and
/// the count goes to the error log every few seconds, so memory stays flat and requests keep
/// their speed whatever happens to the log.
/// </summary>
public sealed class AccessLog : IDisposable
{
    /// <summary>
    /// Lines that may wait for the writer. A few seconds of a busy worker's traffic: enough to ride
    /// out a disk stall or a log shipper's pause, small enough (about a megabyte of entries) to
    /// keep when a stall lasts.
    /// </summary>
    public const int DefaultCapacity = 4096;

    /// <summary>Output is written once this much is rendered, so one write never holds an unbounded batch.</summary>
    private const int WriteThreshold = 64 * 1024;

    private static readonly TimeSpan ReportPeriod = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long the writer lets lines gather after being woken. Requests then wake it at most a
    /// hundred times a second instead of once each: a busy worker's lines are written in batches
    /// and its cores are not spent switching to the writer, at the price of lines reaching the
    /// file up to this much later.
    /// </summary>
    private static readonly TimeSpan GatherDelay = TimeSpan.FromMilliseconds(10);

    private readonly LogFile _file;
    private readonly AccessLogLayout _layout;
    private readonly string[] _requestHeaders;
    private readonly string[] _responseHeaders;
    private readonly int _environCount;
    private readonly AccessLogContext _context;
    private readonly ILogger _log;
    private readonly int _capacity;
    private readonly ConcurrentQueue<AccessLogEntry> _queue = new();
    private readonly ConcurrentQueue<AccessLogEntry> _free = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _writer;
    private readonly Timer _reporter;
    private readonly Lock _reportLock = new();
    private int _pending;
    private int _signalled;
    private long _dropped;
    private long _lost;
    private long _droppedReported;
    private long _lostReported;
    private string _lastFailure = "";
    private volatile bool _stopping;

    public AccessLog(LogFile file, AccessLogLayout layout, ForwardedTrust trust, string scriptName, int worker, ILogger log, int capacity = DefaultCapacity)
    {
        _file = file;
        _layout = layout;
        _requestHeaders = [.. layout.RequestHeaders];
        _responseHeaders = [.. layout.ResponseHeaders];
        _environCount = layout.EnvironKeys.Count;
        _context = new AccessLogContext(Environment.ProcessId, worker, trust, scriptName);
        _log = log;
        _capacity = capacity;
        _writer = new Thread(WriteLoop) { Name = "dram-access-log", IsBackground = true };
        _reporter = new Timer(_ => Report(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The file's full path, or null when the log goes to stdout.</summary>
    public string? Path => _file.Path;

    /// <summary>Environ keys the layout names (<c>%({KEY}e)s</c>): the WSGI side reads these from the app's environ.</summary>
    public IReadOnlyList<string> EnvironKeys => _layout.EnvironKeys;

    public void Start()
    {
        _writer.Start();
        _reporter.Change(ReportPeriod, ReportPeriod);
    }

    /// <summary>
    /// Queues the line of a request that ends now; the request's objects must still be valid.
    /// <paramref name="environ"/> holds the values of <see cref="EnvironKeys"/> (null: not seen by Python).
    /// </summary>
    internal void Record(IFeatureCollection features, int status, long bytes, long receivedTimestamp, string?[]? environ)
    {
        if (Interlocked.Increment(ref _pending) > _capacity)
        {
            Interlocked.Decrement(ref _pending);
            Interlocked.Increment(ref _dropped);
            return;
        }
        if (!_free.TryDequeue(out var entry))
        {
            entry = new AccessLogEntry(_requestHeaders.Length, _responseHeaders.Length, _environCount);
        }
        entry.Completed = DateTime.UtcNow;
        entry.Elapsed = Stopwatch.GetTimestamp() - receivedTimestamp;
        var request = FeatureLookup.Required<IHttpRequestFeature>(features);
        entry.Method = request.Method;
        entry.Target = request.RawTarget;
        entry.Protocol = request.Protocol;
        var headers = request.Headers;
        entry.Referer = headers.Referer;
        entry.UserAgent = headers.UserAgent;
        entry.Authorization = headers.Authorization;
        entry.ForwardedFor = headers["X-Forwarded-For"];
        for (var i = 0; i < _requestHeaders.Length; i++)
        {
            entry.RequestHeaders[i] = headers[_requestHeaders[i]];
        }
        if (_responseHeaders.Length > 0)
        {
            var responseHeaders = FeatureLookup.Required<IHttpResponseFeature>(features).Headers;
            for (var i = 0; i < _responseHeaders.Length; i++)
            {
                entry.ResponseHeaders[i] = responseHeaders[_responseHeaders[i]];
            }
        }
        if (environ is not null)
        {
            environ.CopyTo(entry.Environ, 0);
        }
        entry.Peer = FeatureLookup.Optional<IHttpConnectionFeature>(features)?.RemoteIpAddress;
        entry.Status = status;
        entry.Bytes = bytes;
        _queue.Enqueue(entry);
        // Only the first line queued while the writer is busy wakes it; it drains the rest.
        if (Interlocked.Exchange(ref _signalled, 1) == 0)
        {
            _wake.Release();
        }
    }

    /// <summary>SIGUSR1: writes to the file at the path again (logrotate renamed the old one). Throws <see cref="IOException"/> when it cannot be opened.</summary>
    public void Reopen() => _file.Reopen();

    /// <summary>Writes what is queued (waiting up to a few seconds for a stuck file), reports drops, closes the file.</summary>
    public void Dispose()
    {
        _stopping = true;
        _wake.Release();
        var finished = _writer.Join(TimeSpan.FromSeconds(5));
        _reporter.Dispose();
        Report();
        if (finished)
        {
            _file.Dispose();
        }
    }

    private void WriteLoop()
    {
        var output = new ArrayBufferWriter<byte>(WriteThreshold + 4096);
        while (true)
        {
            _wake.Wait();
            if (!_stopping)
            {
                Thread.Sleep(GatherDelay);
            }
            // Lines queued from now on wake the writer again; those queued before are drained below.
            Volatile.Write(ref _signalled, 0);
            var lines = 0;
            while (_queue.TryDequeue(out var entry))
            {
                try
                {
                    _layout.Render(entry, _context, output);
                    lines++;
                }
                catch (Exception e)
                {
                    // A bug in rendering must not stop the writer: the line is counted as lost.
                    Lost(1, $"{e.GetType().Name}: {e.Message}");
                }
                entry.Clear();
                _free.Enqueue(entry);
                Interlocked.Decrement(ref _pending);
                if (output.WrittenCount >= WriteThreshold)
                {
                    Flush(output, lines);
                    lines = 0;
                }
            }
            if (lines > 0)
            {
                Flush(output, lines);
            }
            if (_stopping && _queue.IsEmpty)
            {
                return;
            }
        }
    }

    private void Flush(ArrayBufferWriter<byte> output, int lines)
    {
        try
        {
            _file.Write(output.WrittenSpan);
        }
        catch (IOException e)
        {
            Lost(lines, e.Message);
        }
        output.ResetWrittenCount();
    }

    private void Lost(int lines, string reason)
    {
        Volatile.Write(ref _lastFailure, reason);
        Interlocked.Add(ref _lost, lines);
    }

    private void Report()
    {
        lock (_reportLock)
        {
            var dropped = Interlocked.Read(ref _dropped);
            if (dropped != _droppedReported)
            {
                WsgiLog.AccessLinesDropped(_log, dropped - _droppedReported, _file.Display, _capacity);
                _droppedReported = dropped;
            }
            var lost = Interlocked.Read(ref _lost);
            if (lost != _lostReported)
            {
                WsgiLog.AccessLinesLost(_log, lost - _lostReported, _file.Display, Volatile.Read(ref _lastFailure));
                _lostReported = lost;
            }
        }
    }
}
