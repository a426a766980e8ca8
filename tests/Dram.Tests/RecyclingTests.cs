using System.Globalization;
using System.Text.RegularExpressions;
using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests;

/// <summary>
/// Workers that reach a recycling limit ask the master for a replacement, which starts first; the
/// old worker is then drained. Under keep-alive load no request fails.
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed partial class RecyclingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task MaxRequestsWithJitterRecyclesWorkersWithoutFailures()
    {
        await using var dram = await DramProcess.StartAsync("lifecycle:application",
            ["-w", "2", "--max-requests", "200", "--max-requests-jitter", "50"]);
        try
        {
            var summary = await RunUntilRecycledAsync(dram, recycles: 4, minimumRequests: 2000);

            var asks = MaxRequestsAsk().Matches(dram.Output);
            Assert.True(asks.Count >= 4, dram.Output);
            foreach (Match ask in asks)
            {
                var served = int.Parse(ask.Groups["served"].Value, CultureInfo.InvariantCulture);
                var limit = int.Parse(ask.Groups["limit"].Value, CultureInfo.InvariantCulture);
                Assert.InRange(limit, 200, 250);
                Assert.True(served >= limit, ask.Value);
            }
            Assert.Empty(summary.Failures);
            Assert.True(summary.AnswersByPid.Count >= 4, "answers came from fewer than 4 worker pids");
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    [Fact]
    public async Task MaxWorkerLifetimeRecyclesWorkersWithoutFailures()
    {
        await using var dram = await DramProcess.StartAsync("lifecycle:application", ["-w", "2", "--max-worker-lifetime", "3"]);
        try
        {
            var summary = await RunUntilRecycledAsync(dram, recycles: 3, minimumRequests: 1000);

            Assert.True(dram.CountInOutput("asks to be replaced: max-worker-lifetime (3 s)") >= 3, dram.Output);
            Assert.Empty(summary.Failures);
            Assert.True(summary.AnswersByPid.Count >= 3, "answers came from fewer than 3 worker pids");
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    [Fact]
    public async Task RecyclingLosesNoRequestOfClientsThatNeverRetry()
    {
        // HttpClient quietly resends a request whose reused connection closed before any answer;
        // these clients do not, so a keep-alive connection closed under a request shows as a loss.
        await using var dram = await DramProcess.StartAsync("lifecycle:application", ["-w", "2", "--max-requests", "150"]);
        try
        {
            await WorkerProbe.WaitForWorkersAsync(dram, 2, TimeSpan.FromSeconds(30));
            using var stop = new CancellationTokenSource();
            var clients = Enumerable.Range(0, 6).Select(_ => KeepAliveWithoutRetriesAsync(dram.Port, stop.Token)).ToList();
            var recycled = await dram.WaitForOutputCountAsync(") stopped", 4, TimeSpan.FromSeconds(120));
            await stop.CancelAsync();
            var results = await Task.WhenAll(clients);
            var answered = results.Sum(r => r.Answered);
            var lost = results.SelectMany(r => r.Lost).ToList();
            output.WriteLine($"{answered} answered, {lost.Count} lost: {string.Join("; ", lost.Take(10))}");

            Assert.True(recycled, dram.Output);
            Assert.Empty(lost);
            Assert.True(answered > 600, $"only {answered} answers");
            Assert.DoesNotContain(" died: ", dram.Output);
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    /// <summary>
    /// Sends GETs back to back over one keep-alive connection, opening a new one only when the server
    /// answered "Connection: close"; a request that gets no complete answer is lost, never resent.
    /// </summary>
    private static async Task<(int Answered, List<string> Lost)> KeepAliveWithoutRetriesAsync(int port, CancellationToken stop)
    {
        var answered = 0;
        var lost = new List<string>();
        RawHttpConnection? connection = null;
        while (!stop.IsCancellationRequested)
        {
            var reused = connection is not null;
            try
            {
                connection ??= await RawHttpConnection.OpenAsync(port);
                await connection.SendAsync("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
                var response = await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(30));
                if (response.StatusCode != 200 || !response.BodyText.StartsWith("pid=", StringComparison.Ordinal))
                {
                    lost.Add($"{response.StatusLine}: {response.BodyText}");
                }
                else
                {
                    answered++;
                }
                if (string.Equals(response.Header("Connection"), "close", StringComparison.OrdinalIgnoreCase))
                {
                    connection.Dispose();
                    connection = null;
                }
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
            {
                lost.Add($"{(reused ? "reused" : "new")} connection {DateTime.UtcNow:HH:mm:ss.fff}: {e.GetType().Name}: {e.Message}");
                connection?.Dispose();
                connection = null;
            }
        }
        connection?.Dispose();
        return (answered, lost);
    }

    /// <summary>
    /// Keeps 8 keep-alive clients busy until <paramref name="recycles"/> workers have been stopped
    /// by the master and at least <paramref name="minimumRequests"/> requests were made; checks that
    /// the master kept two serving workers and never replaced a worker as dead.
    /// </summary>
    private async Task<LoadSummary> RunUntilRecycledAsync(DramProcess dram, int recycles, int minimumRequests)
    {
        await WorkerProbe.WaitForWorkersAsync(dram, 2, TimeSpan.FromSeconds(30));
        var load = LoadClient.Start(dram.BaseUrl + "/");
        LoadSummary summary;
        try
        {
            Assert.True(await dram.WaitForOutputCountAsync(") stopped", recycles, TimeSpan.FromSeconds(90)), dram.Output);
            Assert.True(await load.WaitForMoreAsync(Math.Max(0, minimumRequests - load.Completed), TimeSpan.FromSeconds(30)));
        }
        finally
        {
            summary = await load.StopAsync();
            await load.DisposeAsync();
            output.WriteLine(summary.Report());
        }
        Assert.DoesNotContain(" died: ", dram.Output);
        Assert.False(dram.HasExited);
        Assert.Equal(2, (await ProcessTable.WaitForChildCountAsync(dram.Pid, 2, TimeSpan.FromSeconds(30))).Count);
        return summary;
    }

    [GeneratedRegex(@"asks to be replaced: max-requests \((?<served>\d+) served, limit (?<limit>\d+)\)")]
    private static partial Regex MaxRequestsAsk();
}
