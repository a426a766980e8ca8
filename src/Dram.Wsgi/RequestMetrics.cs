using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Dram.Wsgi;

/// <summary>
/// One worker's request counters, for <c>--metrics-bind</c> (aggregates the master exposes) and
/// <c>--statsd-host</c> (per-status counts and duration samples). The request path only adds to
/// arrays sized once, with interlocked increments: no lock, no allocation. A reporter reads them
/// once a second. When metrics are off this object does not exist and the request path skips it.
/// </summary>
public sealed class RequestMetrics
{
    /// <summary>The method label's values; any other method counts as "other", so clients cannot add series.</summary>
    public static readonly IReadOnlyList<string> Methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"];

    /// <summary>The status label's values; "other" holds codes 600 to 999, which HTTP leaves undefined.</summary>
    public static readonly IReadOnlyList<string> StatusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx", "other"];

    /// <summary>
    /// Upper bounds in seconds of the latency histogram's buckets: the Prometheus client libraries'
    /// defaults, from a fast cached page (5 ms) to a slow report (10 s). One more bucket counts the rest.
    /// </summary>
    public static readonly IReadOnlyList<double> DurationBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Status codes Kestrel accepts (100 to 999), indexed by code.</summary>
    public const int StatusCodeSlots = 1000;

    private readonly long[] _boundTicks;
    private readonly long[]? _requests;
    private readonly long[]? _durationBuckets;
    private readonly long[]? _statusCodes;
    private readonly DurationSamples? _samples;
    private long _durationTicks;
    private long _bodyBytes;
    private long _inFlight;

    /// <param name="aggregates">Count by method and status class, the latency histogram and body bytes (Prometheus).</param>
    /// <param name="perRequest">Count by exact status code and keep duration samples (StatsD).</param>
    public RequestMetrics(bool aggregates, bool perRequest)
    {
        _boundTicks = DurationBounds.Select(s => (long)(s * Stopwatch.Frequency)).ToArray();
        if (aggregates)
        {
            _requests = new long[Methods.Count * StatusClasses.Count];
            _durationBuckets = new long[DurationBounds.Count + 1];
        }
        if (perRequest)
        {
            _statusCodes = new long[StatusCodeSlots];
            _samples = new DurationSamples();
        }
    }

    /// <summary>Requests Kestrel has handed to the app or a static mapping and not finished yet.</summary>
    public long InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Response body bytes sent, headers not included.</summary>
    public long ResponseBodyBytes => Interlocked.Read(ref _bodyBytes);

    /// <summary>The sum of all finished requests' durations, in <see cref="Stopwatch"/> ticks.</summary>
    public long DurationTicks => Interlocked.Read(ref _durationTicks);

    internal void Begin(PendingRequest request)
    {
                Interlocked.Increment(ref _inFlight);
    }

    /// <summary>Records a request as Kestrel disposes it: its response is final.</summary>
    internal void End(PendingRequest request)
    {
        var elapsed = Stopwatch.GetTimestamp() - request.ReceivedTimestamp;
        var features = request.Features;
        var response = FeatureLookup.Required<IHttpResponseFeature>(features);
        var status = response.StatusCode;
        if (_requests is not null)
        {
            var method = FeatureLookup.Required<IHttpRequestFeature>(features).Method;
            var statusClass = status is >= 100 and <= 599 ? status / 100 - 1 : StatusClasses.Count - 1;
            Interlocked.Increment(ref _requests[MethodIndex(method) * StatusClasses.Count + statusClass]);
            Interlocked.Increment(ref _durationBuckets![BucketIndex(elapsed)]);
            Interlocked.Add(ref _durationTicks, elapsed);
            // The app's bytes as the Python thread counted them; a static file's from its Content-Length.
            var bytes = request.ResponseBodyBytes >= 0 ? request.ResponseBodyBytes
                : HttpMethods.IsHead(method) ? 0
                : response.Headers.ContentLength ?? 0;
            Interlocked.Add(ref _bodyBytes, bytes);
        }
        if (_statusCodes is not null)
        {
            Interlocked.Increment(ref _statusCodes[(uint)status < StatusCodeSlots ? status : 0]);
            _samples!.Add(elapsed);
        }
        Interlocked.Decrement(ref _inFlight);
    }

    private static int MethodIndex(string method) =>
        HttpMethods.IsGet(method) ? 0
        : HttpMethods.IsHead(method) ? 1
        : HttpMethods.IsPost(method) ? 2
        : HttpMethods.IsPut(method) ? 3
        : HttpMethods.IsPatch(method) ? 4
        : HttpMethods.IsDelete(method) ? 5
        : HttpMethods.IsOptions(method) ? 6
        : 7;

    private int BucketIndex(long ticks)
    {
        var bounds = _boundTicks;
        for (var i = 0; i < bounds.Length; i++)
        {
            if (ticks <= bounds[i])
            {
                return i;
            }
        }
        return bounds.Length;
    }

    /// <summary>Copies the counts by method and status class: index method * StatusClasses.Count + class.</summary>
    public void CopyRequests(Span<long> into)
    {
        var source = _requests ?? throw new InvalidOperationException("aggregates are not kept");
        for (var i = 0; i < source.Length; i++)
        {
            into[i] = Interlocked.Read(ref source[i]);
        }
    }

    /// <summary>Copies how many durations fell in each bucket (not cumulative); the last holds those above every bound.</summary>
    public void CopyDurationBuckets(Span<long> into)
    {
        var source = _durationBuckets ?? throw new InvalidOperationException("aggregates are not kept");
        for (var i = 0; i < source.Length; i++)
        {
            into[i] = Interlocked.Read(ref source[i]);
        }
    }

    /// <summary>Copies the count of each status code since start, indexed by code.</summary>
    public void CopyStatusCodes(Span<long> into)
    {
        var source = _statusCodes ?? throw new InvalidOperationException("per-request counts are not kept");
        for (var i = 0; i < source.Length; i++)
        {
            into[i] = Interlocked.Read(ref source[i]);
        }
    }

    /// <summary>
    /// Moves the duration samples recorded since the last call into <paramref name="into"/> (ticks);
    /// returns how many were kept, and in <paramref name="observed"/> how many requests ended, so a
    /// reader that fell behind can state the sampling rate.
    /// </summary>
    public int DrainDurationSamples(Span<long> into, out long observed) =>
        (_samples ?? throw new InvalidOperationException("per-request counts are not kept")).Drain(into, out observed);

    /// <summary>The most samples one drain returns.</summary>
    public static int SampleCapacity => DurationSamples.Capacity;
}
