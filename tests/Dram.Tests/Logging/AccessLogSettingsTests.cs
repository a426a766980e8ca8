using System.Globalization;
using System.Text.Json;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Logging;

/// <summary>The access log's destinations and layouts, and the values of its settings that are refused.</summary>
public sealed class AccessLogSettingsTests
{
    [Fact]
    public async Task JsonLinesCarryNamedFields()
    {
        using var directory = new TemporaryDirectory();
        var log = new LogFileLines(Path.Combine(directory.Path, "access.json"));
        await using var dram = await DramProcess.StartAsync("access_log_app:application", ["--access-logfile", log.Path, "--access-log-json"]);

        await RawHttpConnection.ExchangeAsync(dram.Port,
            "GET /a%20b?x=1&y=%22 HTTP/1.1\r\nHost: localhost\r\nReferer: http://example.com/\"r\"\r\nUser-Agent: json-test/1.0\r\n"
            + "X-Forwarded-For: 198.51.100.4\r\nConnection: close\r\n\r\n");
        await RawHttpConnection.ExchangeAsync(dram.Port, "HEAD /empty HTTP/1.0\r\n\r\n", head: true);

        var lines = await log.WaitForLinesAsync(_ => true, 2, "two JSON lines");
        using var first = JsonDocument.Parse(lines[0]);
        using var second = JsonDocument.Parse(lines[1]);
        var json = first.RootElement;
        Assert.Equal(["time", "remote", "method", "path", "query", "protocol", "status", "bytes", "duration_ms", "referer", "user_agent", "pid", "worker"],
            json.EnumerateObject().Select(p => p.Name));
        var time = DateTimeOffset.ParseExact(json.GetProperty("time").GetString()!, "yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
        Assert.InRange(time, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal("198.51.100.4", json.GetProperty("remote").GetString());
        Assert.Equal("GET", json.GetProperty("method").GetString());
        Assert.Equal("/a%20b", json.GetProperty("path").GetString());
        Assert.Equal("x=1&y=%22", json.GetProperty("query").GetString());
        Assert.Equal("HTTP/1.1", json.GetProperty("protocol").GetString());
        Assert.Equal(201, json.GetProperty("status").GetInt32());
        Assert.Equal(19, json.GetProperty("bytes").GetInt64());
        Assert.True(json.GetProperty("duration_ms").GetDouble() >= 0);
        Assert.Equal("http://example.com/\"r\"", json.GetProperty("referer").GetString());
        Assert.Equal("json-test/1.0", json.GetProperty("user_agent").GetString());
        Assert.Equal(await dram.WorkerPidAsync(), json.GetProperty("pid").GetInt32());
        Assert.Equal(1, json.GetProperty("worker").GetInt32());

        var head = second.RootElement;
        Assert.Equal(("HEAD", "/empty", "", "HTTP/1.0", 200, 0L), (head.GetProperty("method").GetString(), head.GetProperty("path").GetString(),
            head.GetProperty("query").GetString(), head.GetProperty("protocol").GetString(), head.GetProperty("status").GetInt32(), head.GetProperty("bytes").GetInt64()));
        Assert.Equal(JsonValueKind.Null, head.GetProperty("referer").ValueKind);
        Assert.Equal(JsonValueKind.Null, head.GetProperty("user_agent").ValueKind);
        Assert.Equal("127.0.0.1", head.GetProperty("remote").GetString());
    }

    [Fact]
    public async Task DashWritesTheAccessLogToStdout()
    {
        await using var dram = await DramProcess.StartAsync("access_log_app:application", ["--access-logfile", "-"]);

        await RawHttpConnection.ExchangeAsync(dram.Port, "GET /to-stdout?q=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

        Assert.True(await dram.WaitForOutputAsync("\"GET /to-stdout?q=1 HTTP/1.1\" 201 19 \"-\" \"-\""), dram.Output);
    }

    [Fact]
    public async Task WithoutAccessLogfileNoRequestIsLogged()
    {
        await using var dram = await DramProcess.StartAsync("access_log_app:application");

        await RawHttpConnection.ExchangeAsync(dram.Port, "GET /unlogged HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        await Task.Delay(500);

        Assert.DoesNotContain("/unlogged", dram.Output);
    }

    [Theory]
    [InlineData("--access-logfile", "--access-logfile")]
    [InlineData("--error-logfile", "--error-logfile/--log-file")]
    [InlineData("--log-file", "--error-logfile/--log-file")]
    public async Task ALogFileInAMissingDirectoryIsAUsageErrorNamingSettingAndPath(string flag, string named)
    {
        var path = $"/nonexistent-dram-logs/{Guid.NewGuid():N}/dram.log";

        var (exitCode, output) = await RunAsync([flag, path]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"dram: error: {named} {path}: cannot open {path} for appending (No such file or directory)", output);
        Assert.DoesNotContain("Listening at", output);
        Assert.DoesNotContain("Booting worker", output);
    }

    [Fact]
    public async Task ADirectoryIsNotALogFile()
    {
        using var directory = new TemporaryDirectory();

        var (exitCode, output) = await RunAsync(["--access-logfile", directory.Path]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"dram: error: --access-logfile {directory.Path}: cannot open {directory.Path} for appending (Is a directory)", output);
    }

    [Theory]
    [InlineData("%(h)d", "%(h)d: this atom is text; write %(h)s")]
    [InlineData("%(zz)d", "%(zz)d: an unknown atom is written as '-'")]
    [InlineData("%(s)x", "%(s)x: only s (text) and d (whole numbers) are supported")]
    [InlineData("%s %(h)s", "'%s' at character 1: fields are written %(NAME)s")]
    [InlineData("%(h)s 100%", "it ends with a lone '%'; write %% for a percent sign")]
    [InlineData("%(h", "the field at character 1 has no closing ')'")]
    [InlineData("%(h)", "%(h) has no conversion; write %(h)s")]
    [InlineData("%(h)+5s", "the '+' flag is not supported")]
    public async Task AFormatPythonWouldFailOnIsRefusedAtStartUp(string format, string reason)
    {
        var (exitCode, output) = await RunAsync(["--access-logfile", "-", "--access-logformat", format]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"dram: error: --access-logformat {format}: ", output);
        Assert.Contains(reason, output);
    }

    [Fact]
    public async Task JsonWithoutAnAccessLogIsAUsageError()
    {
        var (exitCode, output) = await RunAsync(["--access-log-json"]);

        Assert.Equal(2, exitCode);
        Assert.Contains("dram: error: --access-log-json formats access log lines, but there is no access log: add --access-logfile FILE", output);
    }

    [Fact]
    public async Task JsonAndAFormatTogetherAreAUsageError()
    {
        var (exitCode, output) = await RunAsync(["--access-logfile", "-", "--access-log-json", "--access-logformat", "%(h)s"]);

        Assert.Equal(2, exitCode);
        Assert.Contains("dram: error: --access-log-json and --access-logformat both say what an access log line looks like; keep one of them", output);
    }

    [Fact]
    public async Task AnEmptyLogPathIsAUsageError()
    {
        var (exitCode, output) = await RunAsync(["--error-logfile", ""]);

        Assert.Equal(2, exitCode);
        Assert.Contains("dram: error: --error-logfile : needs a file path, or - for the standard stream", output);
    }

    private static Task<(int ExitCode, string Output)> RunAsync(IEnumerable<string> args) =>
        DramProcess.RunToExitAsync([.. args, "--bind", $"127.0.0.1:{FreePort.Next()}", "--chdir", Repo.Apps, "access_log_app:application"]);
}
