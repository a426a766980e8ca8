using System.Diagnostics;
using System.Globalization;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Hostile;

/// <summary>
/// An ordinary client next to an attack: GET /echo over a new connection, one request after
/// another, timing each. Failures are kept, not thrown, so a test can report them all.
/// </summary>
public sealed class LatencyProbe
{
    private readonly List<TimeSpan> _latencies = [];
    private readonly List<string> _failures = [];

    public IReadOnlyList<string> Failures => _failures;

    public int Count => _latencies.Count;

    /// <summary>Sends requests for <paramref name="duration"/> (each allowed 60 s).</summary>
    public static async Task<LatencyProbe> RunAsync(int port, TimeSpan duration)
    {
        var probe = new LatencyProbe();
        var end = DateTime.UtcNow + duration;
        while (DateTime.UtcNow < end)
        {
            var watch = Stopwatch.StartNew();
            try
            {
                var response = await RawHttpConnection.ExchangeAsync(port,
                    "GET /echo?probe HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", timeout: TimeSpan.FromSeconds(60));
                if (response.StatusCode == 200)
                {
                    probe._latencies.Add(watch.Elapsed);
                }
                else
                {
                    probe._failures.Add($"status {response.StatusCode}");
                }
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
            {
                probe._failures.Add($"{e.GetType().Name}: {e.Message}");
            }
            await Task.Delay(20);
        }
        return probe;
    }

    public TimeSpan Percentile(double p)
    {
        if (_latencies.Count == 0)
        {
            return TimeSpan.MaxValue;
        }
        var sorted = _latencies.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100 * sorted.Count) - 1)];
    }

    public TimeSpan Max => _latencies.Count == 0 ? TimeSpan.MaxValue : _latencies.Max();

    /// <summary>"N requests, median A ms, 95th percentile B ms, max C ms".</summary>
    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"{Count} requests, median {Percentile(50).TotalMilliseconds:0} ms, 95th percentile {Percentile(95).TotalMilliseconds:0} ms, max {Max.TotalMilliseconds:0} ms");
}
