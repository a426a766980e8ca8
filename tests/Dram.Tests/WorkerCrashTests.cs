using System.Diagnostics;
using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests;

/// <summary>Workers that die (killed from outside, or the app ending the process) are replaced by the master.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class WorkerCrashTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task KilledWorkerIsReplacedWhileTheOtherKeepsServing()
    {
        await using var dram = await DramProcess.StartAsync("lifecycle:application", ["-w", "2"]);
        var workers = await WorkerProbe.WaitForWorkersAsync(dram, 2, Boot);
        await using var load = LoadClient.Start(dram.BaseUrl + "/");
        try
        {
            // Steady load on both workers before the kill.
            Assert.True(await load.WaitForMoreAsync(1000, TimeSpan.FromSeconds(30)));
            var recent = load.Snapshot().TakeLast(500).ToList();
            Assert.All(workers, pid => Assert.Contains(recent, o => o.Pid == pid));
            var (victim, survivor) = (workers[0], workers[1]);

            var killedAt = DateTime.UtcNow;
            var clock = Stopwatch.StartNew();
            UnixSignal.Send(victim, UnixSignal.Kill);

            Assert.True(await dram.WaitForOutputAsync($"(pid {victim}) died: killed by SIGKILL", TimeSpan.FromSeconds(10)), dram.Output);
            Assert.True(await dram.WaitForOutputAsync("Booting worker 3 with pid:", TimeSpan.FromSeconds(10)), dram.Output);
            var bootLogged = clock.Elapsed;
            var replacement = (await ProcessTable.WaitForChildCountAsync(dram.Pid, 2, TimeSpan.FromSeconds(5))).Single(p => p != survivor);
            Assert.NotEqual(victim, replacement);
            Assert.True(await WorkerProbe.WaitUntilAnsweringAsync(dram.Port, [replacement], Boot), dram.Output);
            var replacementAnswering = DateTime.UtcNow;
            var answering = clock.Elapsed;
            Assert.True(await load.WaitForMoreAsync(500, TimeSpan.FromSeconds(30)));

            var summary = await load.StopAsync();
            output.WriteLine($"killed worker {victim}; survivor {survivor}; replacement {replacement}: "
                + $"boot logged after {bootLogged.TotalMilliseconds:0} ms, answering after {answering.TotalMilliseconds:0} ms");
            output.WriteLine(summary.Report());

            // The replacement was started at once (the master's reaction, not the new worker's boot time).
            Assert.True(bootLogged < TimeSpan.FromSeconds(3), $"replacement started {bootLogged.TotalMilliseconds:0} ms after the kill");
            // The survivor kept answering while the replacement booted, and after it.
            Assert.Contains(summary.Outcomes, o => o.Pid == survivor && o.Succeeded && o.Sent > killedAt && o.Ended < replacementAnswering);
            Assert.Contains(summary.Outcomes, o => o.Pid == survivor && o.Succeeded && o.Sent > replacementAnswering);
            Assert.DoesNotContain(summary.Outcomes, o => o.Pid == victim && o.Sent > killedAt + TimeSpan.FromSeconds(1));
            // Only requests in flight in the killed worker may fail: at most one per client loop, none before the kill.
            Assert.All(summary.Failures, f => Assert.True(f.Ended >= killedAt, $"failure before the kill: {f}"));
            Assert.True(summary.Failures.Count <= load.Concurrency, summary.Report());
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    [Fact]
    public async Task WorkerThatKeepsExitingIsReplacedWithGrowingBackOff()
    {
        await using var dram = await DramProcess.StartAsync("lifecycle:application", ["-w", "2"]);
        try
        {
            var workers = await WorkerProbe.WaitForWorkersAsync(dram, 2, Boot);
            var steady = workers[1];
            var target = workers[0];
            var expectedDelays = new[] { "", " in 1 s (it keeps dying young: 2 times in a row)", " in 2 s (it keeps dying young: 3 times in a row)" };
            for (var crash = 1; crash <= expectedDelays.Length; crash++)
            {
                await ExitThroughAppAsync(dram.Port, target);
                var died = $"(pid {target}) died: exit code 3 (the app ended the process: os._exit() or exit() in C code); starting a replacement{expectedDelays[crash - 1]}\n";
                Assert.True(await dram.WaitForOutputAsync(died, TimeSpan.FromSeconds(10)), $"expected \"{died.TrimEnd()}\" in:\n{dram.Output}");
                var clock = Stopwatch.StartNew();
                var booting = $"Booting worker {crash + 2} with pid:";

                // While the master holds back, the other worker keeps serving. The first crash is
                // replaced at once, and that replacement may already be answering too.
                var (status, pid, _) = await WorkerProbe.AskAsync(dram.Port);
                Assert.Equal(200, status);
                if (crash == 1)
                {
                    Assert.NotEqual(target, pid);
                }
                else
                {
                    Assert.Equal(steady, pid);
                }

                Assert.True(await dram.WaitForOutputAsync(booting, TimeSpan.FromSeconds(10)), dram.Output);
                var heldBack = clock.Elapsed;
                output.WriteLine($"crash {crash}: worker {target} exited; replacement started {heldBack.TotalMilliseconds:0} ms after the death was logged");
                if (crash == 3)
                {
                    Assert.True(heldBack > TimeSpan.FromSeconds(1.5), $"the third quick crash was replaced after {heldBack.TotalMilliseconds:0} ms, without the 2 s back-off");
                }
                var now = await ProcessTable.WaitForChildCountAsync(dram.Pid, 2, TimeSpan.FromSeconds(10));
                Assert.Equal(2, now.Count);
                Assert.Contains(steady, now);
                target = now.Single(p => p != steady);
                Assert.True(await WorkerProbe.WaitUntilAnsweringAsync(dram.Port, [target], Boot), dram.Output);
            }
            Assert.False(dram.HasExited);
            Assert.Equal(3, dram.CountInOutput("died: exit code 3"));
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    /// <summary>Finds a connection served by <paramref name="pid"/> and asks that worker to os._exit(3).</summary>
    private static async Task ExitThroughAppAsync(int port, int pid)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            using var connection = await RawHttpConnection.OpenAsync(port);
            await connection.SendAsync("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
            var answer = await connection.ReadResponseAsync();
            if (answer.BodyText.StartsWith($"pid={pid} ", StringComparison.Ordinal))
            {
                await connection.SendAsync("GET /exit HTTP/1.1\r\nHost: localhost\r\n\r\n");
                Assert.True(await connection.IsClosedByServerAsync(TimeSpan.FromSeconds(10)), "the worker answered /exit instead of exiting");
                return;
            }
        }
        throw new TimeoutException($"no connection reached worker {pid}");
    }
}
