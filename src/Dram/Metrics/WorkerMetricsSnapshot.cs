using System.Globalization;
using System.Text;
using Dram.Wsgi;

namespace Dram.Metrics;

/// <summary>
/// What a worker tells the master once a second with <c>--metrics-bind</c>, as one control-channel
/// line: its counters since it started and its gauges now. Both ends are the same binary, so the
/// fields are positional; a line with the wrong count of fields is ignored.
/// </summary>
internal sealed class WorkerMetricsSnapshot
{
    public const string Verb = "METRICS";

    public static readonly int RequestSlots = RequestMetrics.Methods.Count * RequestMetrics.StatusClasses.Count;

    public static readonly int BucketSlots = RequestMetrics.DurationBounds.Count + 1;

    private const int ScalarCounters = 3;
    private const int Gauges = 4;

    private static readonly int FieldCount = RequestSlots + BucketSlots + ScalarCounters + Gauges;

    /// <summary>Requests by method and status class (see <see cref="RequestMetrics.CopyRequests"/>).</summary>
    public long[] Requests { get; } = new long[RequestSlots];

    /// <summary>Durations per histogram bucket, not cumulative; the last counts those above every bound.</summary>
    public long[] DurationBuckets { get; } = new long[BucketSlots];

    public long DurationMicroseconds { get; set; }

    public long ResponseBodyBytes { get; set; }

    public long RequestsTimedOut { get; set; }

    public long InFlight { get; set; }

    public long BusyThreads { get; set; }

    public long QueuedRequests { get; set; }

    public long Threads { get; set; }

    public string Format()
    {
        var line = new StringBuilder(Verb, 512);
        foreach (var value in Requests)
        {
            Append(line, value);
        }
        foreach (var value in DurationBuckets)
        {
            Append(line, value);
        }
        Append(line, DurationMicroseconds);
        Append(line, ResponseBodyBytes);
        Append(line, RequestsTimedOut);
        Append(line, InFlight);
        Append(line, BusyThreads);
        Append(line, QueuedRequests);
        Append(line, Threads);
        return line.ToString();
    }

    private static void Append(StringBuilder line, long value) => line.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Reads the fields after the verb; null when they are not a snapshot of this version.</summary>
    public static WorkerMetricsSnapshot? Parse(string fields)
    {
        var parts = fields.Split(' ');
        if (parts.Length != FieldCount)
        {
            return null;
        }
        var values = new long[FieldCount];
        for (var i = 0; i < FieldCount; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i]))
            {
                return null;
            }
        }
        var snapshot = new WorkerMetricsSnapshot();
        values.AsSpan(0, RequestSlots).CopyTo(snapshot.Requests);
        values.AsSpan(RequestSlots, BucketSlots).CopyTo(snapshot.DurationBuckets);
        var at = RequestSlots + BucketSlots;
        snapshot.DurationMicroseconds = values[at++];
        snapshot.ResponseBodyBytes = values[at++];
        snapshot.RequestsTimedOut = values[at++];
        snapshot.InFlight = values[at++];
        snapshot.BusyThreads = values[at++];
        snapshot.QueuedRequests = values[at++];
        snapshot.Threads = values[at];
        return snapshot;
    }

    /// <summary>Adds the counters (not the gauges) of <paramref name="other"/> to this one's.</summary>
    public void AddCounters(WorkerMetricsSnapshot other)
    {
        for (var i = 0; i < Requests.Length; i++)
        {
            Requests[i] += other.Requests[i];
        }
        for (var i = 0; i < DurationBuckets.Length; i++)
        {
            DurationBuckets[i] += other.DurationBuckets[i];
        }
        DurationMicroseconds += other.DurationMicroseconds;
        ResponseBodyBytes += other.ResponseBodyBytes;
        RequestsTimedOut += other.RequestsTimedOut;
    }

    /// <summary>
    /// Takes a newer report of the same worker: its gauges, and counters that never go back (two
    /// reports sent at once, the periodic one and the final one, may arrive in either order).
    /// </summary>
    public void Update(WorkerMetricsSnapshot newer)
    {
        for (var i = 0; i < Requests.Length; i++)
        {
            Requests[i] = Math.Max(Requests[i], newer.Requests[i]);
        }
        for (var i = 0; i < DurationBuckets.Length; i++)
        {
            DurationBuckets[i] = Math.Max(DurationBuckets[i], newer.DurationBuckets[i]);
        }
        DurationMicroseconds = Math.Max(DurationMicroseconds, newer.DurationMicroseconds);
        ResponseBodyBytes = Math.Max(ResponseBodyBytes, newer.ResponseBodyBytes);
        RequestsTimedOut = Math.Max(RequestsTimedOut, newer.RequestsTimedOut);
        InFlight = newer.InFlight;
        BusyThreads = newer.BusyThreads;
        QueuedRequests = newer.QueuedRequests;
        Threads = newer.Threads;
    }
}
