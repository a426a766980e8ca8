using Dram.Tests.Infrastructure;

namespace Dram.Tests;

/// <summary>Signals meant for the master do not stop workers that receive them too.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class ForwardedSignalTests
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Usr1ReopensLogsAndKeepsEveryWorker()
    {
        await using var dram = await DramProcess.StartAsync("lifecycle:application", ["-w", "2"]);
        var workers = await WorkerProbe.WaitForWorkersAsync(dram, 2, Boot);

        dram.Signal(UnixSignal.Usr1);

        Assert.True(await dram.WaitForOutputCountAsync("Reopened log files: none", 3, TimeSpan.FromSeconds(10)), dram.Output);
        await Task.Delay(500);
        Assert.Equal(workers.Order(), ProcessTable.ChildrenOf(dram.Pid).Order());
        Assert.True(await WorkerProbe.WaitUntilAnsweringAsync(dram.Port, workers, Boot));
        Assert.DoesNotContain(" died: ", dram.Output);
    }

    [Fact]
    public async Task Usr1WhileAWorkerIsStillLoadingTheAppDoesNotKillIt()
    {
        using var temp = new TemporaryDirectory();
        var delayFile = Path.Combine(temp.Path, "delay");
        await using var dram = await DramProcess.StartAsync("slow_import:application", ["-w", "1"],
            new Dictionary<string, string> { ["SLOW_IMPORT_FILE"] = delayFile });
        var first = (await WorkerProbe.WaitForWorkersAsync(dram, 1, Boot)).Single();

        // The reload's worker spends 3 s importing the app, and gets USR1 meanwhile.
        await File.WriteAllTextAsync(delayFile, "3");
        dram.Signal(UnixSignal.Hup);
        Assert.True(await dram.WaitForOutputAsync("Booting worker 2 with pid:", TimeSpan.FromSeconds(10)), dram.Output);
        await Task.Delay(500);
        dram.Signal(UnixSignal.Usr1);

        Assert.True(await dram.WaitForOutputAsync($"Worker 1 (pid {first}) stopped", TimeSpan.FromSeconds(60)), dram.Output);
        var second = (await WorkerProbe.WaitForWorkersAsync(dram, 1, Boot)).Single();
        Assert.NotEqual(first, second);
        Assert.DoesNotContain(" died: ", dram.Output);
        Assert.DoesNotContain("Booting worker 3", dram.Output);
    }

    [Fact]
    public async Task HupSentToAWorkerItselfDoesNotStopIt()
    {
        await using var dram = await DramProcess.StartAsync("lifecycle:application", ["-w", "1"]);
        var worker = (await WorkerProbe.WaitForWorkersAsync(dram, 1, Boot)).Single();

        UnixSignal.Send(worker, UnixSignal.Hup);
        await Task.Delay(1000);

        Assert.True(ProcessTable.IsRunningDram(worker));
        Assert.Equal(worker, (await WorkerProbe.AskAsync(dram.Port)).Pid);
        Assert.DoesNotContain(" died: ", dram.Output);
    }
}
