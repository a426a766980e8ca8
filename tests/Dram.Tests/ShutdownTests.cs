using System.Diagnostics;
using System.Text.RegularExpressions;
using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests;

/// <summary>SIGTERM stops the master gracefully, letting requests in flight finish; SIGQUIT stops it at once.</summary>
[Collection(LifecycleCollection.Name)]
public sealed partial class ShutdownTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TermLetsTheRequestInFlightFinishThenExitsZeroLeavingNoProcess()
    {
        await using var dram = await DramProcess.StartAsync("lifecycle:application", ["-w", "2"]);
        try
        {
            var workers = await WorkerProbe.WaitForWorkersAsync(dram, 2, TimeSpan.FromSeconds(30));
            var inFlight = WorkerProbe.AskAsync(dram.Port, "/sleep?s=3", TimeSpan.FromSeconds(30));
            Assert.True(await dram.WaitForOutputAsync("sleeping 3 s in ", TimeSpan.FromSeconds(10)), dram.Output);

            var clock = Stopwatch.StartNew();
            dram.Signal(UnixSignal.Term);

            var (status, pid, _) = await inFlight;
            var answeredAfter = clock.Elapsed;
            var exitCode = await dram.WaitForExitAsync(TimeSpan.FromSeconds(30));
            output.WriteLine($"in-flight request answered {status} {answeredAfter.TotalMilliseconds:0} ms after TERM; master exited {exitCode} after {clock.ElapsedMilliseconds} ms");

            Assert.Equal(200, status);
            Assert.Contains(pid, workers);
            Assert.Equal(0, exitCode);
            Assert.Contains("Handling signal: term", dram.Output);
            Assert.Contains("Stopped", dram.Output);
            Assert.DoesNotContain("did not stop within", dram.Output);
            AssertNoneRunning(WorkerPids(dram.Output));
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    [Fact]
    public async Task QuitExitsPromptlyWithoutWaitingForRequestsInFlight()
    {
        await using var dram = await DramProcess.StartAsync("lifecycle:application", ["-w", "2"]);
        try
        {
            await WorkerProbe.WaitForWorkersAsync(dram, 2, TimeSpan.FromSeconds(30));
            var inFlight = WorkerProbe.AskAsync(dram.Port, "/sleep?s=30", TimeSpan.FromSeconds(60));
            Assert.True(await dram.WaitForOutputAsync("sleeping 30 s in ", TimeSpan.FromSeconds(10)), dram.Output);

            var clock = Stopwatch.StartNew();
            dram.Signal(UnixSignal.Quit);
            var exitCode = await dram.WaitForExitAsync(TimeSpan.FromSeconds(30));
            var exitedAfter = clock.Elapsed;
            var request = await Record.ExceptionAsync(() => inFlight);
            output.WriteLine($"master exited {exitCode} {exitedAfter.TotalMilliseconds:0} ms after QUIT; the request in flight ended with {request?.GetType().Name ?? "an answer"}");

            Assert.Equal(0, exitCode);
            Assert.True(exitedAfter < TimeSpan.FromSeconds(4), $"exited {exitedAfter.TotalMilliseconds:0} ms after QUIT");
            Assert.NotNull(request);
            Assert.Contains("Handling signal: quit", dram.Output);
            AssertNoneRunning(WorkerPids(dram.Output));
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    private static IReadOnlyList<int> WorkerPids(string log) =>
        BootingWorker().Matches(log).Select(m => int.Parse(m.Groups[1].Value)).ToList();

    private static void AssertNoneRunning(IReadOnlyList<int> pids)
    {
        Assert.NotEmpty(pids);
        Assert.All(pids, pid => Assert.False(ProcessTable.IsRunningDram(pid), $"worker {pid} still runs"));
    }

    [GeneratedRegex(@"Booting worker \d+ with pid: (\d+)")]
    private static partial Regex BootingWorker();
}
