using System.Diagnostics;
using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests;

/// <summary>
/// Workers sharing a listening socket take new connections in turn, so a burst of keep-alive
/// connections is split between them instead of landing on whichever worker woke first.
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed class AcceptTurnTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task BurstOfKeepAliveConnectionsIsSplitBetweenWorkers()
    {
        await using var dram = await DramProcess.StartAsync("slow_import:application", ["-w", "2"]);
        var workers = await WorkerProbe.WaitForWorkersAsync(dram, 2, Boot);

        // Three bursts, each of 24 connections opened at once and held open.
        for (var burst = 0; burst < 3; burst++)
        {
            var connections = await OpenAtOnceAsync(dram.Port, 24);
            try
            {
                var pids = await AskEachAsync(connections);
                var perWorker = workers.Select(w => pids.Count(p => p == w)).ToArray();
                output.WriteLine($"burst {burst}: {string.Join(" / ", perWorker)}");
                Assert.Equal(24, perWorker.Sum());
                // Within the margin (one connection, or an eighth of the lesser count) of each other.
                Assert.True(Math.Abs(perWorker[0] - perWorker[1]) <= 3, $"connections per worker {string.Join(" / ", perWorker)}\n{dram.Output}");
            }
            finally
            {
                DisposeAll(connections);
            }
            await Task.Delay(300);
        }
    }

    [Fact]
    public async Task WorkerKilledHoldingConnectionsLeavesTheOtherAcceptingEverything()
    {
        using var temp = new TemporaryDirectory();
        var delayFile = Path.Combine(temp.Path, "delay");
        // Keep-alive long enough that no held connection closes by itself during the test.
        await using var dram = await DramProcess.StartAsync("slow_import:application", ["-w", "2", "--keep-alive", "60"],
            new Dictionary<string, string> { ["SLOW_IMPORT_FILE"] = delayFile });
        var workers = await WorkerProbe.WaitForWorkersAsync(dram, 2, Boot);
        var held = await OpenAtOnceAsync(dram.Port, 20);
        try
        {
            var pids = await AskEachAsync(held);
            var (victim, survivor) = (workers[0], workers[1]);
            Assert.Contains(victim, pids);

            // The replacement takes 20 s to load the app; meanwhile the survivor alone must take every
            // new connection, though the dead worker held as many as it did.
            await File.WriteAllTextAsync(delayFile, "20");
            UnixSignal.Send(victim, UnixSignal.Kill);
            Assert.True(await dram.WaitForOutputAsync($"(pid {victim}) died: killed by SIGKILL", TimeSpan.FromSeconds(10)), dram.Output);

            Assert.All(await FreshConnectionsAnsweredByAsync(dram.Port, 20), pid => Assert.Equal(survivor, pid));
            RobustnessLog.Record("Faults", "-w 2: a worker holding half the keep-alive connections is SIGKILLed, then 20 clients connect at once",
                "the other worker accepts and answers all 20 at once, not waiting for the replacement (which takes 20 s to load)");
        }
        finally
        {
            DisposeAll(held);
            output.WriteLine(dram.Output);
        }
    }

    [Fact]
    public async Task StoppedWorkerWhoseTurnItIsDoesNotHoldUpNewConnections()
    {
        await using var dram = await DramProcess.StartAsync("slow_import:application", ["-w", "2", "--keep-alive", "60"]);
        var workers = await WorkerProbe.WaitForWorkersAsync(dram, 2, Boot);
        var held = await OpenAtOnceAsync(dram.Port, 20);
        var (stopped, running) = (workers[0], workers[1]);
        try
        {
            await AskEachAsync(held);
            // Stopped, the worker still counts as accepting and holds as many connections as the
            // other: by the turn alone the running worker would take one or two and then pause.
            UnixSignal.Send(stopped, UnixSignal.Stop);
            // The signal takes effect when the kernel next schedules the worker's threads: until then
            // it could still accept a fresh connection and then hold it unanswered.
            Assert.True(await AllThreadsStoppedAsync(stopped, TimeSpan.FromSeconds(10)), $"worker {stopped} did not stop");
            Assert.All(await FreshConnectionsAnsweredByAsync(dram.Port, 20), pid => Assert.Equal(running, pid));
            RobustnessLog.Record("Faults", "-w 2: a worker holding half the keep-alive connections is stopped (SIGSTOP), then 20 clients connect at once",
                "the running worker sees connections left waiting and accepts them although it holds more than its turn; all 20 answered");
        }
        finally
        {
            UnixSignal.Send(stopped, UnixSignal.Continue);
            DisposeAll(held);
            output.WriteLine(dram.Output);
        }
    }

    /// <summary>Opens <paramref name="count"/> connections at once, asks once on each (answers due within 10 s), closes them; the answering pids.</summary>
    private async Task<int[]> FreshConnectionsAnsweredByAsync(int port, int count)
    {
        var clock = Stopwatch.StartNew();
        var fresh = await OpenAtOnceAsync(port, count);
        try
        {
            var pids = await AskEachAsync(fresh, TimeSpan.FromSeconds(10));
            output.WriteLine($"{count} new connections answered in {clock.ElapsedMilliseconds} ms");
            return pids;
        }
        finally
        {
            DisposeAll(fresh);
        }
    }

    /// <summary>Polls until every thread of <paramref name="pid"/> is in the stopped state (T).</summary>
    private static async Task<bool> AllThreadsStoppedAsync(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var states = Directory.EnumerateDirectories($"/proc/{pid}/task")
                .Select(task => File.ReadAllText(Path.Combine(task, "stat")))
                .Select(stat => stat[stat.LastIndexOf(')') + 2]);
            if (states.All(state => state == 'T'))
            {
                return true;
            }
            await Task.Delay(10);
        }
        return false;
    }

    private static async Task<RawHttpConnection[]> OpenAtOnceAsync(int port, int count) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(_ => RawHttpConnection.OpenAsync(port)));

    /// <summary>One keep-alive GET on each connection, all sent before any answer is read; the answering pids.</summary>
    private static async Task<int[]> AskEachAsync(RawHttpConnection[] connections, TimeSpan? timeout = null)
    {
        await Task.WhenAll(connections.Select(c => c.SendAsync("GET / HTTP/1.1\r\nHost: test\r\n\r\n")));
        var responses = await Task.WhenAll(connections.Select(c => c.ReadResponseAsync(timeout: timeout ?? TimeSpan.FromSeconds(30))));
        return responses.Select(r =>
        {
            Assert.Equal(200, r.StatusCode);
            return int.Parse(r.BodyText.Split(' ')[0]["pid=".Length..], System.Globalization.CultureInfo.InvariantCulture);
        }).ToArray();
    }

    private static void DisposeAll(IEnumerable<RawHttpConnection> connections)
    {
        foreach (var connection in connections)
        {
            connection.Dispose();
        }
    }
}
