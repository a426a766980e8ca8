using Dram.Tests.Infrastructure;

namespace Dram.Tests.Logging;

/// <summary>
/// examples/systemd/mysite.logrotate run by the real logrotate against a running Dram. Only what
/// belongs to the example deployment is swapped for this machine's: the log directory, the
/// owner of the new files, and systemctl's signal to the unit's main process (a kill of the master).
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed class LogrotateExampleTests
{
    private const string Logrotate = "/usr/sbin/logrotate";
    private const string SignalToMaster = "systemctl kill --kill-whom=main --signal=USR1 mysite.service";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task RotatingWithTheExampleMakesEveryProcessWriteToTheNewFiles()
    {
        Skip.IfNot(File.Exists(Logrotate), "logrotate is not installed (apt-get install logrotate, or scripts/install-deps.sh --tests)");
        using var directory = new TemporaryDirectory();
        var logs = Directory.CreateDirectory(Path.Combine(directory.Path, "log")).FullName;
        var errors = new LogFileLines(Path.Combine(logs, "error.log"));
        var access = new LogFileLines(Path.Combine(logs, "access.log"));
        await using var dram = await DramProcess.StartAsync("access_log_app:application",
            ["-w", "2", "--error-logfile", errors.Path, "--access-logfile", access.Path], logsToFile: true);
        var workers = await ProcessTable.WaitForChildCountAsync(dram.Pid, 2, Patience);
        var config = await WriteConfigAsync(directory, logs, dram.Pid);
        await GetAsync(dram, "/before");
        await access.WaitForLineAsync("GET /before");

        await RunLogrotateAsync(directory, config);

        Assert.Contains("GET /before", new LogFileLines(access.Path + ".1").Text());
        Assert.True(File.Exists(errors.Path + ".1"));
        await errors.WaitForLineAsync($"[{dram.Pid}] [INFO] Reopened log files: error log {errors.Path}", Patience);
        foreach (var worker in workers)
        {
            await errors.WaitForLineAsync($"[{worker}] [INFO] Reopened log files: error log {errors.Path}, access log {access.Path}", Patience);
        }
        await GetAsync(dram, "/after");
        await access.WaitForLineAsync("GET /after", Patience);
        Assert.DoesNotContain("GET /after", new LogFileLines(access.Path + ".1").Text());

        // The next rotation compresses the file the previous one set aside (delaycompress).
        await RunLogrotateAsync(directory, config);
        Assert.True(File.Exists(access.Path + ".2.gz"), string.Join(", ", Directory.GetFiles(logs)));
        Assert.Contains("GET /after", new LogFileLines(access.Path + ".1").Text());
        await errors.WaitForLinesAsync(line => line.Contains($"[{dram.Pid}] [INFO] Reopened log files", StringComparison.Ordinal), 1,
            "the master reopening again", Patience);
    }

    private static async Task<string> WriteConfigAsync(TemporaryDirectory directory, string logs, int masterPid)
    {
        var example = await File.ReadAllTextAsync(Path.Combine(Repo.Examples, "systemd", "mysite.logrotate"));
        Assert.Contains("/var/log/mysite/*.log {", example);
        Assert.Contains(SignalToMaster, example);
        Assert.Contains("create 0640 mysite adm", example);
        var group = (await ExternalCommand.RunCheckedAsync("id", ["-gn"])).Trim();
        var local = example
            .Replace("/var/log/mysite", logs, StringComparison.Ordinal)
            .Replace(SignalToMaster, $"kill -USR1 {masterPid}", StringComparison.Ordinal)
            .Replace("create 0640 mysite adm", $"create 0640 {CurrentUser.Name} {group}", StringComparison.Ordinal);
        return directory.Write("logrotate.conf", local);
    }

    private static async Task RunLogrotateAsync(TemporaryDirectory directory, string config)
    {
        var (exitCode, output) = await ExternalCommand.RunAsync(Logrotate, ["--force", "--state", Path.Combine(directory.Path, "logrotate.state"), config]);
        Assert.True(exitCode == 0, $"logrotate exited with {exitCode}:\n{output}");
    }

    private static async Task GetAsync(DramProcess dram, string path)
    {
        var response = await RawHttpConnection.ExchangeAsync(dram.Port, $"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.Equal(201, response.StatusCode);
    }
}
