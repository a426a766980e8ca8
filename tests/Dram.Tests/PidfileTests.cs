using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests;

/// <summary>--pid FILE holds the master's pid while it runs and is removed when it exits.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class PidfileTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dram-pid-").FullName;

    [Fact]
    public async Task PidfileHoldsTheMasterPidAndIsRemovedOnExit()
    {
        var pidfile = Path.Combine(_directory, "dram.pid");
        await using var dram = await DramProcess.StartAsync("lifecycle:application", ["-w", "2", "--pid", pidfile]);
        try
        {
            await WorkerProbe.WaitForWorkersAsync(dram, 2, TimeSpan.FromSeconds(30));
            Assert.Equal($"{dram.Pid}\n", File.ReadAllText(pidfile));

            Assert.Equal(0, await dram.StopAsync());
            Assert.False(File.Exists(pidfile), "the pid file was left behind");
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
