using System.Text.RegularExpressions;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Logging;

/// <summary>
/// logrotate's way: rename the files, then <c>kill -USR1</c> the master. The master and every
/// worker open the paths again, so the new files get their lines and the renamed ones no more.
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed partial class LogRotationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Usr1MakesTheMasterAndEveryWorkerWriteToNewFiles()
    {
        using var directory = new TemporaryDirectory();
        var errors = new LogFileLines(Path.Combine(directory.Path, "error.log"));
        var access = new LogFileLines(Path.Combine(directory.Path, "access.log"));
        await using var dram = await DramProcess.StartAsync("access_log_app:application",
            ["-w", "2", "--error-logfile", errors.Path, "--capture-output", "--access-logfile", access.Path, "--access-logformat", "%(p)s %(r)s"],
            logsToFile: true);
        var workers = await ProcessTable.WaitForChildCountAsync(dram.Pid, 2, Patience);
        Assert.Equal(2, workers.Count);
        await RequestUntilEveryWorkerLoggedAsync(dram, access, workers, "/before");

        File.Move(errors.Path, errors.Path + ".1");
        File.Move(access.Path, access.Path + ".1");
        dram.Signal(UnixSignal.Usr1);

        await errors.WaitForLineAsync($"[{dram.Pid}] [INFO] Reopened log files: error log {errors.Path}", Patience);
        foreach (var worker in workers)
        {
            await errors.WaitForLineAsync($"[{worker}] [INFO] Reopened log files: error log {errors.Path}, access log {access.Path}", Patience);
        }
        await RequestUntilEveryWorkerLoggedAsync(dram, access, workers, "/after");
        await RawHttpConnection.ExchangeAsync(dram.Port, "GET /print?m=rotated HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        await errors.WaitForLineAsync("fd2 rotated", Patience);

        var oldAccess = new LogFileLines(access.Path + ".1").Text();
        var oldErrors = new LogFileLines(errors.Path + ".1").Text();
        Assert.Contains("GET /before", oldAccess);
        Assert.DoesNotContain("GET /after", oldAccess);
        Assert.DoesNotContain("GET /before", access.Text());
        Assert.Contains("Handling signal: usr1", oldErrors);
        Assert.DoesNotContain("Reopened log files", oldErrors);
        Assert.DoesNotContain("rotated", oldErrors);
        Assert.Equal(workers.Order(), ProcessTable.ChildrenOf(dram.Pid).Order());
    }

    [Fact]
    public async Task APathThatCannotBeOpenedAgainKeepsTheOldFileAndSaysSo()
    {
        using var directory = new TemporaryDirectory();
        var logDirectory = Directory.CreateDirectory(Path.Combine(directory.Path, "logs")).FullName;
        var errors = new LogFileLines(Path.Combine(logDirectory, "error.log"));
        await using var dram = await DramProcess.StartAsync("access_log_app:application", ["--error-logfile", errors.Path], logsToFile: true);
        var worker = await dram.WorkerPidAsync();

        var moved = Path.Combine(directory.Path, "moved");
        Directory.Move(logDirectory, moved);
        dram.Signal(UnixSignal.Usr1);

        var kept = new LogFileLines(Path.Combine(moved, "error.log"));
        await kept.WaitForLineAsync($"[{dram.Pid}] [ERROR] Cannot reopen the error log {errors.Path} (No such file or directory); still writing to the file opened before", Patience);
        await kept.WaitForLineAsync($"[{worker}] [ERROR] Cannot reopen the error log {errors.Path}", Patience);
        var response = await RawHttpConnection.ExchangeAsync(dram.Port, "GET /raise HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.Equal(500, response.StatusCode);
        await kept.WaitForLineAsync("Error handling request GET /raise", Patience);
    }

    [Fact]
    public async Task AWorkerStillBootingReopensOnceBootedInsteadOfDying()
    {
        using var directory = new TemporaryDirectory();
        var errors = new LogFileLines(Path.Combine(directory.Path, "error.log"));
        await using var dram = await DramProcess.StartAsync("access_log_app:application", ["-w", "1", "--error-logfile", errors.Path], logsToFile: true);
        await dram.WorkerPidAsync();

        dram.Signal(UnixSignal.Ttin);
        var booting = await errors.WaitForLineAsync($"[{dram.Pid}] [INFO] Booting worker 2 with pid: ", Patience);
        dram.Signal(UnixSignal.Usr1);

        var pid = booting[(booting.LastIndexOf(' ') + 1)..];
        await errors.WaitForLineAsync($"[{pid}] [INFO] Reopened log files: error log {errors.Path}", Patience);
        await errors.WaitForLineAsync($"[{pid}] [INFO] Application access_log_app:application loaded", Patience);
        Assert.DoesNotContain(" died: ", errors.Text());
        Assert.Equal(2, ProcessTable.ChildrenOf(dram.Pid).Count);
    }

    /// <summary>Sends requests to <paramref name="path"/> over new connections until the access log has one from every worker.</summary>
    private static async Task RequestUntilEveryWorkerLoggedAsync(DramProcess dram, LogFileLines access, IReadOnlyList<int> workers, string path)
    {
        var deadline = DateTime.UtcNow + Patience;
        var missing = workers.ToHashSet();
        while (missing.Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"workers {string.Join(", ", missing)} logged no request to {path}:\n{access.Text()}");
            await RawHttpConnection.ExchangeAsync(dram.Port, $"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            await Task.Delay(20);
            foreach (var line in access.Lines())
            {
                var match = PidAndPath().Match(line);
                if (match.Success && match.Groups[2].Value == path)
                {
                    missing.Remove(int.Parse(match.Groups[1].Value));
                }
            }
        }
    }

    [GeneratedRegex(@"^<(\d+)> GET (\S+) HTTP/1\.1$")]
    private static partial Regex PidAndPath();
}
