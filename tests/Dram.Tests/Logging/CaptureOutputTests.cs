using Dram.Tests.Infrastructure;

namespace Dram.Tests.Logging;

/// <summary>
/// <c>--capture-output</c>: what the app writes to stdout and stderr — print(), sys.stderr, and
/// writes straight to descriptors 1 and 2 as C extensions make them — goes to the error log file.
/// </summary>
public sealed class CaptureOutputTests
{
    private static readonly string[] Written = ["print", "fd1", "fd2", "stderr"];

    [Fact]
    public async Task TheAppsOutputGoesToTheErrorLogFile()
    {
        using var directory = new TemporaryDirectory();
        var log = new LogFileLines(Path.Combine(directory.Path, "error.log"));
        await using var dram = await DramProcess.StartAsync("access_log_app:application",
            ["--error-logfile", log.Path, "--capture-output"], logsToFile: true);

        await PrintAsync(dram, "captured");

        foreach (var how in Written)
        {
            await log.WaitForLineAsync($"{how} captured");
        }
        Assert.DoesNotContain("captured", dram.Output);
    }

    [Fact]
    public async Task WithoutItTheAppsOutputStaysOnDramsOwnStdoutAndStderr()
    {
        using var directory = new TemporaryDirectory();
        var log = new LogFileLines(Path.Combine(directory.Path, "error.log"));
        await using var dram = await DramProcess.StartAsync("access_log_app:application", ["--error-logfile", log.Path], logsToFile: true);

        await PrintAsync(dram, "uncaptured");

        foreach (var how in Written)
        {
            Assert.True(await dram.WaitForOutputAsync($"{how} uncaptured"), dram.Output);
        }
        Assert.DoesNotContain("uncaptured", log.Text());
    }

    [Fact]
    public async Task WithoutAnErrorLogFileItIsWarnedAboutAndChangesNothing()
    {
        await using var dram = await DramProcess.StartAsync("access_log_app:application", ["--capture-output"]);

        await PrintAsync(dram, "to-stderr");

        Assert.Contains("[WARNING] --capture-output has no effect without --error-logfile FILE", dram.Output);
        Assert.True(await dram.WaitForOutputAsync("fd2 to-stderr"), dram.Output);
    }

    private static async Task PrintAsync(DramProcess dram, string text)
    {
        var response = await RawHttpConnection.ExchangeAsync(dram.Port, $"GET /print?m={text} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.Equal(200, response.StatusCode);
    }
}
