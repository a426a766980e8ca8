using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests;

/// <summary>The number of workers: -w, WEB_CONCURRENCY, and SIGTTIN/SIGTTOU at run time.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class WorkerCountTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TtinAddsAWorkerAndTtouRetiresTheOldestWhileServingWithoutFailures()
    {
        await using var dram = await DramProcess.StartAsync("lifecycle:application", ["-w", "2"]);
        try
        {
            var initial = await WorkerProbe.WaitForWorkersAsync(dram, 2, Boot);
            await using var load = LoadClient.Start(dram.BaseUrl + "/");
            Assert.True(await load.WaitForMoreAsync(500, Boot));

            dram.Signal(UnixSignal.Ttin);
            var three = await WorkerProbe.WaitForWorkersAsync(dram, 3, Boot);
            var added = three.Except(initial).Single();
            Assert.True(await dram.WaitForOutputAsync("Number of workers: 3", TimeSpan.FromSeconds(5)), dram.Output);
            Assert.True(await load.WaitForMoreAsync(500, Boot));

            dram.Signal(UnixSignal.Ttou);
            Assert.True(await dram.WaitForOutputAsync("Number of workers: 2", TimeSpan.FromSeconds(10)), dram.Output);
            Assert.True(await dram.WaitForOutputAsync($"Worker 1 (pid {initial[0]}) stopped", Boot), dram.Output);
            var two = await ProcessTable.WaitForChildCountAsync(dram.Pid, 2, TimeSpan.FromSeconds(10));
            Assert.Equal(new[] { initial[1], added }.Order(), two.Order());
            Assert.True(await WorkerProbe.WaitUntilAnsweringAsync(dram.Port, two, Boot));
            Assert.True(await load.WaitForMoreAsync(500, Boot));

            var summary = await load.StopAsync();
            output.WriteLine($"workers {string.Join(", ", initial)}; TTIN added {added}; TTOU retired {initial[0]}");
            output.WriteLine(summary.Report());
            Assert.Empty(summary.Failures);
            Assert.DoesNotContain(" died: ", dram.Output);
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    [Fact]
    public async Task WebConcurrencyEnvironmentVariableSetsTheNumberOfWorkers()
    {
        await using var dram = await DramProcess.StartAsync("lifecycle:application",
            environment: new Dictionary<string, string> { ["WEB_CONCURRENCY"] = "3" });
        try
        {
            var workers = await WorkerProbe.WaitForWorkersAsync(dram, 3, Boot);
            Assert.Equal(3, workers.Distinct().Count());
            Assert.Contains("Booting worker 3 with pid:", dram.Output);
            Assert.DoesNotContain("Booting worker 4", dram.Output);
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }
}
