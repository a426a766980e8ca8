using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests;

/// <summary>SIGHUP replaces every worker with one that imports the app afresh, without dropping requests.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class ReloadTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _appDirectory = Directory.CreateTempSubdirectory("dram-reload-").FullName;

    [Fact]
    public async Task HupUnderLoadServesTheNewCodeFromNewWorkersWithoutFailures()
    {
        var module = Path.Combine(_appDirectory, "lifecycle.py");
        File.Copy(Path.Combine(Repo.Apps, "lifecycle.py"), module);
        await using var dram = await DramProcess.StartAsync("lifecycle:application", ["-w", "2"], chdir: _appDirectory);
        try
        {
            var old = await WorkerProbe.WaitForWorkersAsync(dram, 2, TimeSpan.FromSeconds(30));
            await using var load = LoadClient.Start(dram.BaseUrl + "/");
            Assert.True(await load.WaitForMoreAsync(1000, TimeSpan.FromSeconds(30)));

            var source = File.ReadAllText(module);
            Assert.Contains("VERSION = \"1\"", source);
            File.WriteAllText(module, source.Replace("VERSION = \"1\"", "VERSION = \"2\""));
            var hupAt = DateTime.UtcNow;
            dram.Signal(UnixSignal.Hup);

            foreach (var (pid, id) in old.Zip([1, 2]))
            {
                Assert.True(await dram.WaitForOutputAsync($"Worker {id} (pid {pid}) stopped", TimeSpan.FromSeconds(60)), dram.Output);
            }
            var drainedAt = DateTime.UtcNow;
            var fresh = await ProcessTable.WaitForChildCountAsync(dram.Pid, 2, TimeSpan.FromSeconds(10));
            Assert.Equal(2, fresh.Count);
            Assert.Empty(fresh.Intersect(old));
            Assert.True(await load.WaitForMoreAsync(1000, TimeSpan.FromSeconds(30)));

            var summary = await load.StopAsync();
            output.WriteLine($"old workers {string.Join(", ", old)}; new workers {string.Join(", ", fresh)}; "
                + $"old ones drained {(drainedAt - hupAt).TotalMilliseconds:0} ms after HUP");
            output.WriteLine(summary.Report());

            Assert.Empty(summary.Failures);
            Assert.Contains(summary.Outcomes, o => o.Version == "1" && o.Sent < hupAt);
            var afterDrain = summary.Outcomes.Where(o => o.Sent > drainedAt).ToList();
            Assert.NotEmpty(afterDrain);
            Assert.All(afterDrain, o => Assert.True(o.Version == "2" && fresh.Contains(o.Pid!.Value), $"after the reload: {o}"));
            // New code is only ever served by new workers, and old code only by old ones.
            Assert.All(summary.Outcomes, o => Assert.Equal(o.Version == "2", fresh.Contains(o.Pid!.Value)));
            Assert.Equal(1, dram.CountInOutput("Reloading: starting 2 worker(s) with freshly imported app code"));
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    [Fact]
    public async Task SignalsIgnoredByWhatStartedDramStillReachTheMaster()
    {
        // As `nohup dram ...` leaves SIGHUP ignored, and a shell's background job SIGINT and SIGQUIT:
        // an ignored disposition survives exec, and Gunicorn acts on these signals regardless.
        await using var dram = await DramProcess.StartAsync("lifecycle:application",
            launcher: ["/bin/sh", "-c", "trap '' HUP INT QUIT; exec \"$0\" \"$@\""]);
        try
        {
            var old = await WorkerProbe.WaitForWorkersAsync(dram, 1, TimeSpan.FromSeconds(30));
            dram.Signal(UnixSignal.Hup);
            Assert.True(await dram.WaitForOutputAsync($"Worker 1 (pid {old[0]}) stopped", TimeSpan.FromSeconds(60)), dram.Output);
            Assert.Equal(1, dram.CountInOutput("Reloading: starting 1 worker(s) with freshly imported app code"));
            Assert.Equal(0, dram.CountInOutput("ignored in this process"));

            dram.Signal(UnixSignal.Interrupt);
            Assert.Equal(0, await dram.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    public void Dispose() => Directory.Delete(_appDirectory, recursive: true);
}
