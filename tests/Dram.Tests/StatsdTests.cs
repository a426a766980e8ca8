using System.Net;
using System.Net.Sockets;
using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests;

/// <summary>
/// --statsd-host and --statsd-prefix: Gunicorn's StatsD metric names and types, sent over UDP in
/// batched datagrams, never in the way of a request.
/// </summary>
public sealed class StatsdTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Sent = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("mysite")]
    [InlineData("mysite..")]
    public async Task RequestsStatusesDurationsWorkersAndErrorsGoOutUnderGunicornsNames(string prefix)
    {
        using var statsd = new StatsdListener();
        await using var dram = await DramProcess.StartAsync("metered:application",
            ["-w", "2", "--statsd-host", $"127.0.0.1:{statsd.Port}", "--statsd-prefix", prefix]);
        try
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(200, (await GetAsync(dram.Port, "/status/200?bytes=3")).StatusCode);
            }
            for (var i = 0; i < 2; i++)
            {
                Assert.Equal(404, (await GetAsync(dram.Port, "/status/404")).StatusCode);
            }
            Assert.Equal(500, (await GetAsync(dram.Port, "/raise")).StatusCode);
            Assert.Equal(200, (await GetAsync(dram.Port, "/sleep?s=0.2")).StatusCode);

            var arrived = await statsd.WaitUntilAsync(s => s.Sum("mysite.gunicorn.requests") >= 7
                && s.Metrics.Count(m => m.Name == "mysite.gunicorn.request.duration") >= 7
                && s.Sum("mysite.gunicorn.log.error") >= 1, Sent);
            foreach (var datagram in statsd.Datagrams)
            {
                output.WriteLine($"datagram: {datagram.Replace("\n", " | ", StringComparison.Ordinal)}");
            }
            Assert.True(arrived, "the expected metrics did not all arrive");

            var metrics = statsd.Metrics;
            Assert.All(metrics, m => Assert.StartsWith("mysite.gunicorn.", m.Name));
            Assert.Equal(7, statsd.Sum("mysite.gunicorn.requests"));
            Assert.Equal(4, statsd.Sum("mysite.gunicorn.request.status.200"));
            Assert.Equal(2, statsd.Sum("mysite.gunicorn.request.status.404"));
            Assert.Equal(1, statsd.Sum("mysite.gunicorn.request.status.500"));
            Assert.All(metrics.Where(m => m.Name.StartsWith("mysite.gunicorn.request", StringComparison.Ordinal) && m.Name != "mysite.gunicorn.request.duration"),
                m => Assert.Equal("c", m.Type));

            var durations = metrics.Where(m => m.Name == "mysite.gunicorn.request.duration").ToList();
            Assert.Equal(7, durations.Count);
            Assert.All(durations, d => Assert.Equal(("ms", 1.0), (d.Type, d.Rate)));
            Assert.All(durations, d => Assert.True(d.Value >= 0, d.ToString()));
            // The 0.2 s sleep, in milliseconds.
            Assert.Contains(durations, d => d.Value >= 200);

            // The app's error is logged by the worker and counted; the master's gauge says 2 workers.
            Assert.True(statsd.Sum("mysite.gunicorn.log.error") >= 1);
            Assert.Contains(metrics, m => m is { Name: "mysite.gunicorn.workers", Value: 2, Type: "g" });

            // Lines are batched: a second's requests share datagrams, each at most 1432 bytes.
            Assert.Contains(statsd.Datagrams, d => d.Split('\n').Length > 1);
            Assert.True(statsd.Datagrams.Count < metrics.Count, $"{statsd.Datagrams.Count} datagrams for {metrics.Count} lines");
            Assert.All(statsd.Datagrams, d => Assert.True(System.Text.Encoding.UTF8.GetByteCount(d) <= 1432));
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    [Fact]
    public async Task AStatsdServerThatIsNotThereNeverFailsARequest()
    {
        // A port on which nothing receives: the kernel refuses the datagrams.
        int port;
        using (var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            port = ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
        }
        await using var dram = await DramProcess.StartAsync("metered:application", ["--statsd-host", $"127.0.0.1:{port}"]);
        try
        {
            for (var round = 0; round < 4; round++)
            {
                for (var i = 0; i < 10; i++)
                {
                    Assert.Equal(200, (await GetAsync(dram.Port, "/status/200?bytes=1")).StatusCode);
                }
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
            // Said once per process (master and worker), not every second.
            Assert.InRange(dram.CountInOutput($"StatsD at 127.0.0.1:{port}: cannot send (Connection refused)"), 1, 2);
            Assert.False(dram.HasExited);
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    private static Task<RawResponse> GetAsync(int port, string path) =>
        RawHttpConnection.ExchangeAsync(port, $"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", timeout: TimeSpan.FromSeconds(30));
}
