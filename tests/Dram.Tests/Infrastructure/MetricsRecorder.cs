namespace Dram.Tests.Infrastructure;

/// <summary>Scrapes a metrics endpoint every 100 ms in the background and keeps every scrape, to check counters never go back.</summary>
public sealed class MetricsRecorder : IAsyncDisposable
{
    private readonly int _port;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<MetricsScrape> _scrapes = [];
    private readonly Task _loop;

    private MetricsRecorder(int port)
    {
        _port = port;
        _loop = Task.Run(RunAsync);
    }

    public static MetricsRecorder Start(int port) => new(port);

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var scrape = await MetricsScrape.FetchAsync(_port);
                lock (_scrapes)
                {
                    _scrapes.Add(scrape);
                }
                await Task.Delay(100, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Stops scraping and returns every scrape taken, in order.</summary>
    public async Task<IReadOnlyList<MetricsScrape>> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        lock (_scrapes)
        {
            return _scrapes.ToList();
        }
    }

    /// <summary>Fails when the summed value of <paramref name="metric"/> ever went down from one scrape to the next.</summary>
    public static void AssertNeverDecreased(IReadOnlyList<MetricsScrape> scrapes, string metric)
    {
        var previous = double.MinValue;
        foreach (var scrape in scrapes)
        {
            var value = scrape.Find(metric).Sum(s => s.Value);
            Assert.True(value >= previous, $"{metric} went from {previous} down to {value}");
            previous = value;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }
        _stop.Dispose();
    }
}
