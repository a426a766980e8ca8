using System.Diagnostics;
using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests;

/// <summary>
/// --timeout: a request running too long is answered 504 and interrupted in its Python thread; a
/// thread that cannot be interrupted gets its worker replaced.
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed class TimeoutTests(ITestOutputHelper output)
{
    private const string Get = " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

    [Fact]
    public async Task BusyLoopIsAnswered504AndInterruptedAndTheSameWorkerServesOn()
    {
        await using var dram = await DramProcess.StartAsync("lifecycle:application", ["--timeout", "2", "--threads", "2"]);
        try
        {
            var workers = await WorkerProbe.WaitForWorkersAsync(dram, 1, TimeSpan.FromSeconds(30));
            var worker = workers.Single();

            var clock = Stopwatch.StartNew();
            var response = await RawHttpConnection.ExchangeAsync(dram.Port, "GET /spin" + Get, timeout: TimeSpan.FromSeconds(30));
            var answeredAfter = clock.Elapsed;
            output.WriteLine($"/spin answered {response.StatusLine} after {answeredAfter.TotalMilliseconds:0} ms");
            Assert.Equal(504, response.StatusCode);
            Assert.Equal("HTTP/1.1 504 Gateway Timeout", response.StatusLine);
            Assert.InRange(answeredAfter, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(15));

            Assert.True(await dram.WaitForOutputAsync("Request timed out: GET /spin ran ", TimeSpan.FromSeconds(10)), dram.Output);
            Assert.Contains("(--timeout 2 s); answered 504 Gateway Timeout and raised dram.RequestTimeout in its thread, which was at:", dram.Output);
            Assert.Contains("lifecycle.py\", line", dram.Output);
            Assert.Contains("    while True:", dram.Output);
            Assert.True(await dram.WaitForOutputAsync("GET /spin: the timed-out request's thread unwound (RequestTimeout)", TimeSpan.FromSeconds(10)), dram.Output);

            // Both Python threads are free again: two slow requests run side by side in the same worker.
            var first = WorkerProbe.AskAsync(dram.Port, "/sleep?s=0.5");
            var second = WorkerProbe.AskAsync(dram.Port, "/sleep?s=0.5");
            Assert.Equal((200, worker, "1"), await first);
            Assert.Equal((200, worker, "1"), await second);

            // No restart, then or later: the unwind grace (5 s) passes without the worker asking to go.
            await Task.Delay(TimeSpan.FromSeconds(6));
            Assert.Equal((200, worker, "1"), await WorkerProbe.AskAsync(dram.Port));
            Assert.Equal([worker], ProcessTable.ChildrenOf(dram.Pid));
            Assert.DoesNotContain("asks to be replaced", dram.Output);
            Assert.DoesNotContain("Booting worker 2", dram.Output);
            // The unwinding is reported once, as the timeout, not also as an app error.
            Assert.Equal(1, dram.CountInOutput("the timed-out request's thread unwound"));
            Assert.Equal(1, dram.CountInOutput("Request timed out:"));
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    [Fact]
    public async Task SleepThatCannotBeInterruptedIsAnswered504AndItsWorkerReplaced()
    {
        await using var dram = await DramProcess.StartAsync("lifecycle:application", ["--timeout", "2", "--threads", "2"]);
        try
        {
            var worker = (await WorkerProbe.WaitForWorkersAsync(dram, 1, TimeSpan.FromSeconds(30))).Single();

            var clock = Stopwatch.StartNew();
            var response = await RawHttpConnection.ExchangeAsync(dram.Port, "GET /sleep?s=60" + Get, timeout: TimeSpan.FromSeconds(30));
            output.WriteLine($"/sleep?s=60 answered {response.StatusLine} after {clock.ElapsedMilliseconds} ms");
            Assert.Equal(504, response.StatusCode);
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(15));
            Assert.True(await dram.WaitForOutputAsync("Request timed out: GET /sleep ran ", TimeSpan.FromSeconds(10)), dram.Output);
            Assert.Contains("time.sleep(seconds)", dram.Output);

            // The other thread serves while the stuck one sleeps.
            Assert.Equal((200, worker, "1"), await WorkerProbe.AskAsync(dram.Port));

            Assert.True(await dram.WaitForOutputAsync("GET /sleep: its thread did not unwind within 5 s of the timeout (blocked in C code?); this worker will be replaced",
                TimeSpan.FromSeconds(20)), dram.Output);
            Assert.True(await dram.WaitForOutputAsync("Worker 1 asks to be replaced: a request thread is stuck in C code (GET /sleep)", TimeSpan.FromSeconds(5)), dram.Output);
            Assert.True(await dram.WaitForOutputAsync($"Worker 1 (pid {worker}) stopped", TimeSpan.FromSeconds(60)), dram.Output);
            var replacement = (await WorkerProbe.WaitForWorkersAsync(dram, 1, TimeSpan.FromSeconds(30))).Single();
            Assert.NotEqual(worker, replacement);
            Assert.Equal((200, replacement, "1"), await WorkerProbe.AskAsync(dram.Port));
            Assert.False(ProcessTable.IsRunningDram(worker));
            Assert.DoesNotContain(" died: ", dram.Output);
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }
}
