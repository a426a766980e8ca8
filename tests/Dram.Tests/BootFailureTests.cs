using System.Diagnostics;
using System.Text.RegularExpressions;
using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests;

/// <summary>An app that cannot be imported at boot stops the master instead of being restarted forever.</summary>
[Collection(LifecycleCollection.Name)]
public sealed partial class BootFailureTests(ITestOutputHelper output)
{
    [Fact]
    public async Task AppRaisingAtImportStopsTheMasterWithExitCode4AndNoWorkerLeft()
    {
        var clock = Stopwatch.StartNew();
        var (exitCode, log) = await DramProcess.RunToExitAsync(
            ["--bind", $"127.0.0.1:{FreePort.Next()}", "--chdir", Repo.Apps, "-w", "2", "import_error:application"],
            timeout: TimeSpan.FromSeconds(60));
        output.WriteLine($"exited {exitCode} after {clock.ElapsedMilliseconds} ms");
        output.WriteLine(log);

        Assert.Equal(4, exitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the master took more than 30 s to give up");
        Assert.Contains("Cannot load the application 'import_error:application'", log);
        Assert.Contains("Traceback (most recent call last):", log);
        Assert.Contains("RuntimeError: lifecycle test: this app refuses to import", log);
        Assert.Contains("could not boot (the app could not be loaded (exit code 4)); stopping the master", log);
        Assert.DoesNotContain("Listening at:", log);

        // The two workers booted once each; none was restarted.
        var workers = BootingWorker().Matches(log).Select(m => int.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal(2, workers.Count);
        Assert.DoesNotContain("Booting worker 3", log);
        Assert.All(workers, pid => Assert.False(ProcessTable.IsRunningDram(pid), $"worker {pid} still runs"));
    }

    [GeneratedRegex(@"Booting worker \d+ with pid: (\d+)")]
    private static partial Regex BootingWorker();
}
