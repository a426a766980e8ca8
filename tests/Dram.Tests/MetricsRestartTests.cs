using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests;

/// <summary>
/// --metrics-bind across worker restarts: counters never go back when a worker is killed, recycled
/// or reloaded (a dead worker's last report stays in the totals), and each restart is counted under
/// its reason.
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed class MetricsRestartTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Reported = TimeSpan.FromSeconds(30);
    private const string Requests = "dram_http_request_duration_seconds_count";

    [Fact]
    public async Task CountersStayWhenAWorkerIsKilledAndWhenAllAreReloaded()
    {
        var metricsPort = FreePort.Next();
        await using var dram = await DramProcess.StartAsync("lifecycle:application", ["-w", "2", "--metrics-bind", $"127.0.0.1:{metricsPort}"]);
        await using var recorder = MetricsRecorder.Start(metricsPort);
        try
        {
            var sent = await AskTimesAsync(dram, 30);
            await MetricsScrape.WaitUntilAsync(metricsPort, s => s.Value(Requests) == sent, Reported);

            var workers = await ProcessTable.WaitForChildCountAsync(dram.Pid, 2, TimeSpan.FromSeconds(10));
            var victim = workers[0];
            UnixSignal.Send(victim, UnixSignal.Kill);
            Assert.True(await dram.WaitForOutputAsync($"(pid {victim}) died: killed by SIGKILL", TimeSpan.FromSeconds(10)), dram.Output);
            var afterKill = await MetricsScrape.WaitUntilAsync(metricsPort,
                s => s.Value("dram_worker_restarts_total", ("reason", "crash")) == 1 && s.Find("dram_worker_resident_memory_bytes").Count() == 2, Reported);
            output.WriteLine(afterKill.Text);
            Assert.Equal(1, afterKill.Value("dram_worker_restarts_total", ("reason", "crash")));
            // Every request the killed worker had reported is still counted.
            Assert.Equal(sent, afterKill.Value(Requests));
            Assert.Equal(2, afterKill.Value("dram_workers"));
            // Its memory series is gone; its replacement (worker 3) has one.
            Assert.Contains("3", afterKill.Find("dram_worker_resident_memory_bytes").Select(s => s.Labels["worker"]));

            sent += await AskTimesAsync(dram, 20);
            await MetricsScrape.WaitUntilAsync(metricsPort, s => s.Value(Requests) == sent, Reported);

            dram.Signal(UnixSignal.Hup);
            var afterReload = await MetricsScrape.WaitUntilAsync(metricsPort,
                s => s.Value("dram_worker_restarts_total", ("reason", "reload")) == 2, Reported);
            Assert.Equal(2, afterReload.Value("dram_worker_restarts_total", ("reason", "reload")));
            Assert.Equal(sent, afterReload.Value(Requests));
            sent += await AskTimesAsync(dram, 10);
            var last = await MetricsScrape.WaitUntilAsync(metricsPort, s => s.Value(Requests) == sent, Reported);
            output.WriteLine(last.Text);
            Assert.Equal(sent, last.Value(Requests));
            Assert.Equal(sent, last.Value("dram_http_requests_total", ("method", "GET"), ("status", "2xx")));
            Assert.Equal(1, last.Value("dram_worker_restarts_total", ("reason", "crash")));

            var scrapes = await recorder.StopAsync();
            output.WriteLine($"{scrapes.Count} scrapes taken");
            Assert.True(scrapes.Count > 10);
            MetricsRecorder.AssertNeverDecreased(scrapes, Requests);
            MetricsRecorder.AssertNeverDecreased(scrapes, "dram_http_requests_total");
            MetricsRecorder.AssertNeverDecreased(scrapes, "dram_http_response_body_bytes_total");
            MetricsRecorder.AssertNeverDecreased(scrapes, "dram_worker_restarts_total");
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    [Fact]
    public async Task ARecycledWorkersRequestsAllStayCounted()
    {
        var metricsPort = FreePort.Next();
        await using var dram = await DramProcess.StartAsync("lifecycle:application", ["--max-requests", "10", "--metrics-bind", $"127.0.0.1:{metricsPort}"]);
        await using var recorder = MetricsRecorder.Start(metricsPort);
        try
        {
            var sent = await AskTimesAsync(dram, 25);

            // A recycled worker sends its final counts as it exits, so the total is exact.
            var scrape = await MetricsScrape.WaitUntilAsync(metricsPort,
                s => s.Value(Requests) == sent && s.Value("dram_worker_restarts_total", ("reason", "max_requests")) >= 1, Reported);
            output.WriteLine(scrape.Text);
            Assert.Equal(sent, scrape.Value(Requests));
            Assert.True(scrape.Value("dram_worker_restarts_total", ("reason", "max_requests")) >= 1, scrape.Text);
            Assert.Equal(0, scrape.Value("dram_worker_restarts_total", ("reason", "crash")));

            var scrapes = await recorder.StopAsync();
            MetricsRecorder.AssertNeverDecreased(scrapes, Requests);
            MetricsRecorder.AssertNeverDecreased(scrapes, "dram_http_response_body_bytes_total");
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    [Fact]
    public async Task ATimedOutRequestIsCountedAsATimeoutAndA5xx()
    {
        var metricsPort = FreePort.Next();
        await using var dram = await DramProcess.StartAsync("lifecycle:application", ["--timeout", "1", "--metrics-bind", $"127.0.0.1:{metricsPort}"]);
        try
        {
            var response = await RawHttpConnection.ExchangeAsync(dram.Port, "GET /spin HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                timeout: TimeSpan.FromSeconds(60));
            Assert.Equal(504, response.StatusCode);

            var scrape = await MetricsScrape.WaitUntilAsync(metricsPort, s => s.Value("dram_request_timeouts_total") == 1 && s.Value(Requests) == 1, Reported);
            output.WriteLine(scrape.Text);
            Assert.Equal(1, scrape.Value("dram_request_timeouts_total"));
            Assert.Equal(1, scrape.Value("dram_http_requests_total", ("method", "GET"), ("status", "5xx")));
            Assert.Equal(0, scrape.Value("dram_http_requests_total", ("method", "GET"), ("status", "2xx")));
            // "Gateway Timeout\n"
            Assert.Equal(16, scrape.Value("dram_http_response_body_bytes_total"));
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    /// <summary>Sends <paramref name="times"/> requests over fresh connections, each answered 200; returns the count.</summary>
    private static async Task<int> AskTimesAsync(DramProcess dram, int times)
    {
        for (var i = 0; i < times; i++)
        {
            var (status, _, _) = await WorkerProbe.AskAsync(dram.Port, timeout: TimeSpan.FromSeconds(30));
            Assert.Equal(200, status);
        }
        return times;
    }
}
