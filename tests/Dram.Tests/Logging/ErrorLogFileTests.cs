using System.Text.RegularExpressions;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Logging;

/// <summary>
/// <c>--error-logfile</c> (<c>--log-file</c>): the master and every worker append their log, the
/// app's tracebacks and what it writes to wsgi.errors to one file, in whole lines.
/// </summary>
public sealed partial class ErrorLogFileTests
{
    [Fact]
    public async Task MasterAndEveryWorkerWriteToTheFileAndNothingToStderr()
    {
        using var directory = new TemporaryDirectory();
        var log = new LogFileLines(Path.Combine(directory.Path, "error.log"));
        await using var dram = await DramProcess.StartAsync("access_log_app:application", ["-w", "2", "--error-logfile", log.Path],
            logsToFile: true);
        var workers = await ProcessTable.WaitForChildCountAsync(dram.Pid, 2, TimeSpan.FromSeconds(30));

        await RawHttpConnection.ExchangeAsync(dram.Port, "GET /raise HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

        await log.WaitForLineAsync("RuntimeError: the access log test app fails on purpose");
        foreach (var worker in workers)
        {
            await log.WaitForLineAsync(line => line.Contains($"[{dram.Pid}] [INFO] Booting worker", StringComparison.Ordinal)
                && line.EndsWith($"with pid: {worker}", StringComparison.Ordinal), $"the master booting worker {worker}");
            await log.WaitForLineAsync(line => line.Contains($"[{worker}] [INFO]", StringComparison.Ordinal), $"a line of worker {worker}");
        }
        await log.WaitForLineAsync(line => line.Contains($"[{dram.Pid}] [INFO] Listening at: http://127.0.0.1:{dram.Port}", StringComparison.Ordinal), "the master's Listening line");
        Assert.Contains("Error handling request GET /raise", log.Text());
        Assert.DoesNotContain("[INFO]", dram.Output);
        Assert.DoesNotContain("Traceback", dram.Output);
    }

    [Fact]
    public async Task LinesOfConcurrentWorkersAndThreadsAreNeverCutIntoEachOther()
    {
        using var directory = new TemporaryDirectory();
        var log = new LogFileLines(Path.Combine(directory.Path, "error.log"));
        await using var dram = await DramProcess.StartAsync("access_log_app:application",
            ["-w", "2", "--threads", "4", "--log-file", log.Path, "--access-logfile", log.Path], logsToFile: true);
        const int requests = 40;
        const int linesEach = 50;

        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 });
        await Task.WhenAll(Enumerable.Range(0, requests).Select(async i =>
        {
            using var response = await client.GetAsync($"{dram.BaseUrl}/errors?m=interleave&n={linesEach}");
            response.EnsureSuccessStatusCode();
        }));

        var written = await log.WaitForLinesAsync(line => line.Contains("interleave", StringComparison.Ordinal), requests * linesEach + requests,
            "every wsgi.errors line and every access log line");
        var errorsLines = written.Where(line => !line.Contains("GET /errors", StringComparison.Ordinal)).ToList();
        Assert.Equal(requests * linesEach, errorsLines.Count);
        Assert.All(errorsLines, line => Assert.Matches(WholeErrorsLine(), line));
        Assert.All(log.Lines().Where(line => line.Length > 0), line => Assert.Matches(AnyWholeLine(), line));
    }

    [Fact]
    public async Task LogLevelFiltersWhatGoesToTheFile()
    {
        using var directory = new TemporaryDirectory();
        var log = new LogFileLines(Path.Combine(directory.Path, "error.log"));
        await using var dram = await DramProcess.StartAsync("access_log_app:application",
            ["--error-logfile", log.Path, "--log-level", "warning", "--preload"], logsToFile: true);

        await RawHttpConnection.ExchangeAsync(dram.Port, "GET /raise HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

        await log.WaitForLineAsync("[ERROR] Error handling request GET /raise");
        Assert.Contains("[WARNING] Setting not supported yet and ignored: --preload", log.Text());
        Assert.DoesNotContain("[INFO]", log.Text());
    }

    /// <summary>A wsgi.errors line of /errors: the marker, the worker pid, the line number, 300 x.</summary>
    [GeneratedRegex(@"^interleave \d+ \d+ x{300}$")]
    private static partial Regex WholeErrorsLine();

    /// <summary>Any line of the file: a log line, an access log line, a wsgi.errors line or a traceback line.</summary>
    [GeneratedRegex(@"^(\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}\] \[\d+\] \[[A-Z]+\] .*|interleave \d+ \d+ x{300}|127\.0\.0\.1 - - \[.*\] ""GET /errors\?m=interleave&n=50 HTTP/1\.1"" 200 2 ""-"" "".*""|  .*|Traceback.*|\w*Error.*)$")]
    private static partial Regex AnyWholeLine();
}
