using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests;

/// <summary>
/// --metrics-bind: the master serves Prometheus metrics summed over its workers. Known traffic
/// gives exact counts by method and status class, body bytes and a consistent latency histogram;
/// gauges show requests in flight and the Python threads' load.
/// </summary>
public sealed class MetricsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Reported = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task KnownTrafficGivesExactCountsByMethodAndStatusClassAndItsBodyBytes()
    {
        var metricsPort = FreePort.Next();
        await using var dram = await DramProcess.StartAsync("metered:application", ["--threads", "2", "--metrics-bind", $"127.0.0.1:{metricsPort}"]);
        try
        {
            Assert.Contains($"Prometheus metrics at http://127.0.0.1:{metricsPort}/metrics", dram.Output);
            var traffic = new (string Method, string Path, int Status, int Times)[]
            {
                ("GET", "/status/200?bytes=100", 200, 5),
                ("POST", "/status/404?bytes=10", 404, 3),
                ("GET", "/status/503?bytes=7", 503, 2),
                ("GET", "/raise", 500, 1),
                ("HEAD", "/status/200?bytes=100", 200, 1),
                ("PUT", "/status/201?bytes=1", 201, 2),
                ("DELETE", "/status/204", 204, 1),
                ("GET", "/status/302", 302, 1),
                ("PURGE", "/status/200?bytes=4", 200, 1),
                ("GET", "/sleep?s=0.3", 200, 1),
            };
            foreach (var (method, path, status, times) in traffic)
            {
                for (var i = 0; i < times; i++)
                {
                    Assert.Equal(status, (await SendAsync(dram.Port, method, path)).StatusCode);
                }
            }
            var total = traffic.Sum(t => t.Times);

            var scrape = await MetricsScrape.WaitUntilAsync(metricsPort, s => s.Value("dram_http_request_duration_seconds_count") >= total, Reported);
            output.WriteLine(scrape.Text);

            var expected = new Dictionary<(string Method, string Status), double>
            {
                [("GET", "2xx")] = 6,
                [("GET", "3xx")] = 1,
                [("GET", "5xx")] = 3,
                [("POST", "4xx")] = 3,
                [("HEAD", "2xx")] = 1,
                [("PUT", "2xx")] = 2,
                [("DELETE", "2xx")] = 1,
                [("other", "2xx")] = 1,
            };
            var series = scrape.Find("dram_http_requests_total").ToDictionary(s => (s.Labels["method"], s.Labels["status"]), s => s.Value);
            Assert.Equal(expected.OrderBy(e => e.Key), series.OrderBy(e => e.Key));

            // 5 x 100 + 3 x 10 + 2 x 7 + "Internal Server Error\n" (22) + HEAD (none) + 2 x 1 + 204 (none) + 302 (0) + 4 + "slept" (5).
            Assert.Equal(577, scrape.Value("dram_http_response_body_bytes_total"));

            var buckets = scrape.Find("dram_http_request_duration_seconds_bucket").ToList();
            Assert.Equal(["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"], buckets.Select(b => b.Labels["le"]));
            for (var i = 1; i < buckets.Count; i++)
            {
                Assert.True(buckets[i].Value >= buckets[i - 1].Value, $"buckets are not cumulative: {buckets[i - 1]} then {buckets[i]}");
            }
            Assert.Equal(total, buckets[^1].Value);
            Assert.Equal(total, scrape.Value("dram_http_request_duration_seconds_count"));
            // The 0.3 s sleep can only be above the 0.25 s bucket, and the sum holds at least it.
            Assert.True(scrape.Value("dram_http_request_duration_seconds_bucket", ("le", "0.25")) <= total - 1, scrape.Text);
            Assert.True(scrape.Value("dram_http_request_duration_seconds_sum") >= 0.3, scrape.Text);

            Assert.Equal(0, scrape.Value("dram_http_requests_in_flight"));
            Assert.Equal(0, scrape.Value("dram_request_timeouts_total"));
            Assert.Equal(2, scrape.Value("dram_python_threads"));
            Assert.Equal(1, scrape.Value("dram_workers"));
            Assert.All(scrape.Find("dram_worker_restarts_total"), s => Assert.Equal(0, s.Value));
            Assert.Equal(["crash", "max_requests", "max_worker_memory", "max_worker_lifetime", "timeout", "reload"],
                scrape.Find("dram_worker_restarts_total").Select(s => s.Labels["reason"]));
            Assert.True(scrape.Find("dram_worker_resident_memory_bytes", ("worker", "1")).Single().Value > 10_000_000, scrape.Text);
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    [Fact]
    public async Task TheEndpointAnswersOnlyGetAndHeadOnSlashMetrics()
    {
        var metricsPort = FreePort.Next();
        await using var dram = await DramProcess.StartAsync("metered:application", ["--metrics-bind", $"127.0.0.1:{metricsPort}"]);

        var get = await SendAsync(metricsPort, "GET", "/metrics");
        Assert.Equal(200, get.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", get.Header("Content-Type"));
        Assert.Contains("# TYPE dram_http_requests_total counter\n", get.BodyText);
        var head = await SendAsync(metricsPort, "HEAD", "/metrics");
        Assert.Equal(200, head.StatusCode);
        Assert.Empty(head.Body);

        var elsewhere = await SendAsync(metricsPort, "GET", "/");
        Assert.Equal(404, elsewhere.StatusCode);
        Assert.Contains("/metrics", elsewhere.BodyText);
        var post = await SendAsync(metricsPort, "POST", "/metrics");
        Assert.Equal(405, post.StatusCode);
        Assert.Equal("GET, HEAD", post.Header("Allow"));

        // Scrapes are the master's own: they do not count as app requests.
        var scrape = await MetricsScrape.FetchAsync(metricsPort);
        Assert.Empty(scrape.Find("dram_http_requests_total"));
        Assert.Equal(0, scrape.Value("dram_http_request_duration_seconds_count"));
    }

    [Fact]
    public async Task InFlightBusyAndQueuedShowSlowRequestsWhileTheyRun()
    {
        var metricsPort = FreePort.Next();
        await using var dram = await DramProcess.StartAsync("metered:application", ["--threads", "1", "--metrics-bind", $"127.0.0.1:{metricsPort}"]);
        try
        {
            // One Python thread: the first sleep runs, the second waits in the queue.
            var first = SendAsync(dram.Port, "GET", "/sleep?s=5");
            var second = SendAsync(dram.Port, "GET", "/sleep?s=5");

            var during = await MetricsScrape.WaitUntilAsync(metricsPort,
                s => s.Value("dram_http_requests_in_flight") == 2 && s.Value("dram_python_queued_requests") == 1, Reported);
            output.WriteLine(during.Text);
            Assert.Equal(2, during.Value("dram_http_requests_in_flight"));
            Assert.Equal(1, during.Value("dram_python_queued_requests"));
            Assert.Equal(1, during.Value("dram_python_threads_busy"));
            Assert.Equal(1, during.Value("dram_python_threads"));

            Assert.Equal(200, (await first).StatusCode);
            Assert.Equal(200, (await second).StatusCode);
            var after = await MetricsScrape.WaitUntilAsync(metricsPort, s => s.Value("dram_http_request_duration_seconds_count") == 2, Reported);
            Assert.Equal(0, after.Value("dram_http_requests_in_flight"));
            Assert.Equal(0, after.Value("dram_python_queued_requests"));
            Assert.Equal(0, after.Value("dram_python_threads_busy"));
            Assert.Equal(2, after.Value("dram_http_requests_total", ("method", "GET"), ("status", "2xx")));
            // Each waited its 5 s (the second one 5 s more in the queue). The second's time starts
            // when its headers arrived, a few milliseconds after the first's (two connections sent
            // back to back), so the sum is 15 s less that gap: 14.9 leaves 100 ms for it, far less
            // than the 5 s it would lack had the second not been queued.
            Assert.Equal(0, after.Value("dram_http_request_duration_seconds_bucket", ("le", "2.5")));
            Assert.True(after.Value("dram_http_request_duration_seconds_sum") >= 14.9, after.Text);
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    [Fact]
    public async Task CountsAreSummedOverTwoWorkers()
    {
        var metricsPort = FreePort.Next();
        await using var dram = await DramProcess.StartAsync("lifecycle:application",
            ["-w", "2", "--threads", "3", "--metrics-bind", $"127.0.0.1:{metricsPort}"]);
        try
        {
            // Fresh connections (each goes to whichever worker accepts first) until both workers
            // have answered at least 10; these are the only requests the app gets.
            var answers = new Dictionary<int, int>();
            var sent = 0;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while ((answers.Count < 2 || answers.Values.Any(n => n < 10)) && DateTime.UtcNow < deadline)
            {
                var (status, pid, _) = await WorkerProbe.AskAsync(dram.Port);
                Assert.Equal(200, status);
                answers[pid] = answers.GetValueOrDefault(pid) + 1;
                sent++;
            }
            output.WriteLine($"answers by worker: {string.Join(", ", answers.Select(a => $"{a.Key}: {a.Value}"))}");
            Assert.Equal(2, answers.Count);
            Assert.All(answers.Values, n => Assert.True(n >= 10));

            var scrape = await MetricsScrape.WaitUntilAsync(metricsPort,
                s => s.Value("dram_http_request_duration_seconds_count") >= sent && s.Find("dram_worker_resident_memory_bytes").Count() == 2, Reported);
            output.WriteLine(scrape.Text);
            Assert.Equal(sent, scrape.Value("dram_http_requests_total", ("method", "GET"), ("status", "2xx")));
            Assert.Equal(sent, scrape.Value("dram_http_request_duration_seconds_count"));
            Assert.Equal(6, scrape.Value("dram_python_threads"));
            Assert.Equal(2, scrape.Value("dram_workers"));
            Assert.Equal(["1", "2"], scrape.Find("dram_worker_resident_memory_bytes").Select(s => s.Labels["worker"]).Order());
            Assert.All(scrape.Find("dram_worker_resident_memory_bytes"), s => Assert.True(s.Value > 10_000_000, s.ToString()));
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    private static Task<RawResponse> SendAsync(int port, string method, string path)
    {
        var body = method is "POST" or "PUT" ? "abc" : "";
        return RawHttpConnection.ExchangeAsync(port,
            $"{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}",
            head: method == "HEAD", timeout: TimeSpan.FromSeconds(60));
    }
}
