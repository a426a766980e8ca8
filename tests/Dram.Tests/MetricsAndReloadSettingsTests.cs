using System.Net;
using System.Net.Sockets;
using Dram.Tests.Infrastructure;

namespace Dram.Tests;

/// <summary>
/// Bad values of --metrics-bind, --statsd-host, --reload-engine and --reload-extra-file stop dram
/// before it starts (exit 2, naming the setting); a metrics port another process holds stops it
/// with exit 1.
/// </summary>
public sealed class MetricsAndReloadSettingsTests
{
    private static readonly TimeSpan QuickExit = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("--metrics-bind", "127.0.0.1", "give HOST:PORT with the port to serve metrics on")]
    [InlineData("--metrics-bind", "unix:/tmp/dram-metrics.sock", "metrics are served over TCP: give HOST:PORT")]
    [InlineData("--metrics-bind", "fd://3", "metrics are served over TCP")]
    [InlineData("--metrics-bind", "127.0.0.1:99999", "'99999' is not a port number")]
    [InlineData("--metrics-bind", "127.0.0.1:metrics", "'metrics' is not a port number")]
    [InlineData("--metrics-bind", "no-such-host.invalid:9100", "cannot resolve host 'no-such-host.invalid'")]
    [InlineData("--statsd-host", "127.0.0.1", "expected HOST:PORT, e.g. 127.0.0.1:8125")]
    [InlineData("--statsd-host", ":8125", "the host is missing")]
    [InlineData("--statsd-host", "127.0.0.1:0", "'0' is not a port number (1 to 65535)")]
    [InlineData("--statsd-host", "127.0.0.1:statsd", "'statsd' is not a port number")]
    [InlineData("--statsd-host", "::1:8125", "expected HOST:PORT, e.g. 127.0.0.1:8125 (IPv6 in brackets: [::1]:8125)")]
    [InlineData("--statsd-host", "no-such-host.invalid:8125", "cannot resolve host 'no-such-host.invalid'")]
    [InlineData("--reload-engine", "fsevents", "must be auto, poll or inotify")]
    [InlineData("--reload-extra-file", "/nonexistent/dram-templates.html", "file /nonexistent/dram-templates.html does not exist")]
    public async Task BadValueExitsTwoNamingTheSettingAndTheValue(string flag, string value, string problem)
    {
        var (exitCode, output) = await DramProcess.RunToExitAsync([flag, value, "--chdir", Repo.Apps, "metered:application"], timeout: QuickExit);

        Assert.Equal(2, exitCode);
        Assert.Contains($"dram: error: {flag} {value}: {problem}", output);
        Assert.DoesNotContain("Starting dram", output);
    }

    [Theory]
    [InlineData("127.0.0.1:{0}", "127.0.0.1:{0}")]
    [InlineData("0.0.0.0:{0}", "127.0.0.1:{0}")]
    [InlineData("127.0.0.1:{0}", "localhost:{0}")]
    public async Task AMetricsAddressThatIsAlsoTheAppsExitsTwo(string bind, string metrics)
    {
        var port = FreePort.Next();
        var (exitCode, output) = await DramProcess.RunToExitAsync(
            ["--bind", string.Format(bind, port), "--metrics-bind", string.Format(metrics, port), "--chdir", Repo.Apps, "metered:application"], timeout: QuickExit);

        Assert.Equal(2, exitCode);
        Assert.Contains($"dram: error: --metrics-bind {string.Format(metrics, port)}: port {port} is already the app's --bind {string.Format(bind, port)}; choose another port for metrics", output);
    }

    [Fact]
    public async Task AMetricsPortInUseExitsOneNamingTheSettingBeforeServing()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var busy = ((IPEndPoint)holder.LocalEndpoint).Port;

        var (exitCode, output) = await DramProcess.RunToExitAsync(
            ["--bind", $"127.0.0.1:{FreePort.Next()}", "--metrics-bind", $"127.0.0.1:{busy}", "--chdir", Repo.Apps, "metered:application"], timeout: TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        Assert.Contains($"--metrics-bind: Cannot listen on http://127.0.0.1:{busy}: the address is already in use", output);
        Assert.DoesNotContain("Listening at", output);
    }

    [Fact]
    public async Task AnExtraFileWithoutReloadIsWarnedAbout()
    {
        using var directory = new TemporaryDirectory();
        var extra = directory.Write("settings.toml", "x = 1\n");
        await using var dram = await DramProcess.StartAsync("metered:application", ["--reload-extra-file", extra]);

        Assert.Contains("[WARNING] --reload-extra-file has no effect without --reload", dram.Output);
        Assert.DoesNotContain("Reloading on source changes", dram.Output);
    }

    [Fact]
    public async Task HelpListsTheMetricsAndReloadSettings()
    {
        var (exitCode, output) = await DramProcess.RunToExitAsync(["--help"], timeout: QuickExit);

        Assert.Equal(0, exitCode);
        foreach (var flag in new[] { "--metrics-bind ADDRESS", "--statsd-host HOST:PORT", "--statsd-prefix PREFIX", "--reload ", "--reload-engine ENGINE", "--reload-extra-file FILE" })
        {
            Assert.Contains(flag, output);
        }
    }
}
