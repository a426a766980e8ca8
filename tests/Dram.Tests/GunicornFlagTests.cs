using Dram.Tests.Infrastructure;

namespace Dram.Tests;

/// <summary>
/// A command line copied from a Gunicorn deployment: flags Dram does not act on yet are named in a
/// warning and the server runs; flags that cannot be dropped silently stop it with the reason.
/// </summary>
public sealed class GunicornFlagTests
{
    [Fact]
    public async Task TuningAndLoggingFlagsAreWarnedAboutAndTheServerRuns()
    {
        await using var dram = await DramProcess.StartAsync("lifecycle:application",
            ["--log-config", "logging.conf", "--preload", "-k", "gthread", "--worker-connections=500", "--statsd-host", "localhost:8125"]);

        var answer = await WorkerProbe.AskAsync(dram.Port);

        Assert.Equal(200, answer.Status);
        foreach (var named in new[] { "--log-config logging.conf", "--preload", "-k gthread", "--worker-connections 500", "--statsd-host localhost:8125" })
        {
            Assert.Contains($"[WARNING] Setting not supported yet and ignored: {named} (a Gunicorn setting Dram does not act on yet)", dram.Output);
        }
    }

    [Theory]
    [InlineData("-c", "gunicorn.conf.py", "configuration files are not supported yet")]
    [InlineData("--config", "gunicorn.conf.py", "configuration files are not supported yet")]
    [InlineData("--daemon", null, "Dram does not daemonize")]
    [InlineData("--check-config", null, "--check-config is not supported yet")]
    [InlineData("--paste", "development.ini", "PasteDeploy configurations are not supported")]
    public async Task FlagsThatChangeWhatTheCommandDoesAreRefused(string flag, string? value, string reason)
    {
        List<string> args = [flag];
        if (value is not null)
        {
            args.Add(value);
        }
        args.AddRange(["--chdir", Repo.Apps, "lifecycle:application"]);

        var (exitCode, output) = await DramProcess.RunToExitAsync(args);

        Assert.Equal(2, exitCode);
        Assert.Contains($"dram: error: {flag}: {reason}", output);
        Assert.DoesNotContain("Listening at", output);
    }
}
