using Dram.Tests.Infrastructure;

namespace Dram.Tests.Configuration;

/// <summary>--print-config and --check-config: one-shot runs that report and exit without serving or binding.</summary>
public sealed class PrintAndCheckConfigTests
{
    private static readonly TimeSpan QuickExit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task PrintConfigListsEverySettingWithItsValueAndSource()
    {
        using var temp = new TemporaryDirectory();
        var config = temp.Write("gunicorn.conf.py", "workers = 3\nraw_env = ['A=1']\n\ndef when_ready(server):\n    pass\n");
        var port = FreePort.Next();

        var printed = await PrintedConfig.RunAsync(["-c", config, "--bind", $"127.0.0.1:{port}", "echo:application"],
            new Dictionary<string, string> { ["GUNICORN_CMD_ARGS"] = "--timeout 45" });

        foreach (var setting in Dram.Configuration.Settings.All.Where(s => !s.IsAction))
        {
            Assert.Contains(setting.Name, printed.Names);
        }
        Assert.DoesNotContain("version", printed.Names);
        Assert.Equal(("3", config), (printed.ValueOf("workers"), printed.SourceOf("workers")));
        Assert.Equal(("['A=1']", config), (printed.ValueOf("raw_env"), printed.SourceOf("raw_env")));
        Assert.Equal(("45", "GUNICORN_CMD_ARGS"), (printed.ValueOf("timeout"), printed.SourceOf("timeout")));
        Assert.Equal(($"['127.0.0.1:{port}']", "command line"), (printed.ValueOf("bind"), printed.SourceOf("bind")));
        Assert.Equal(("'echo:application'", "command line"), (printed.ValueOf("wsgi_app"), printed.SourceOf("wsgi_app")));
        Assert.Equal(("30", "default"), (printed.ValueOf("graceful_timeout"), printed.SourceOf("graceful_timeout")));
        Assert.Equal(("None", "default"), (printed.ValueOf("pidfile"), printed.SourceOf("pidfile")));
        Assert.Equal(("<server hook>", config), (printed.ValueOf("when_ready"), printed.SourceOf("when_ready")));
        Assert.DoesNotContain("Starting dram", printed.Output);
        Assert.True(PortState.CanListen(port));
    }

    [Fact]
    public async Task PrintConfigWorksWithoutAnAppAndWithoutAConfigFile()
    {
        var printed = await PrintedConfig.RunAsync([]);
        Assert.Equal(("None", "default"), (printed.ValueOf("wsgi_app"), printed.SourceOf("wsgi_app")));
        Assert.Equal(("None", "default"), (printed.ValueOf("config"), printed.SourceOf("config")));
        Assert.Equal("['127.0.0.1:8000']", printed.ValueOf("bind"));
    }

    [Fact]
    public async Task CheckConfigImportsAGoodAppAndExitsZeroWithoutBinding()
    {
        var port = FreePort.Next();
        var (exitCode, output) = await DramProcess.RunToExitAsync(
            ["--check-config", "--chdir", Repo.Apps, "--bind", $"127.0.0.1:{port}", "-w", "4", "echo:application"], timeout: QuickExit);

        Assert.True(exitCode == 0, output);
        Assert.Contains($"dram: configuration OK: echo:application imports from {Repo.Apps} with Python 3.", output);
        Assert.DoesNotContain("Starting dram", output);
        Assert.DoesNotContain("Booting worker", output);
        Assert.True(PortState.CanListen(port));
    }

    [Fact]
    public async Task CheckConfigReportsAnAppThatFailsToImportWithItsTraceback()
    {
        var (exitCode, output) = await DramProcess.RunToExitAsync(
            ["--check-config", "--chdir", Repo.Apps, "import_error:application"], timeout: QuickExit);

        Assert.Equal(4, exitCode);
        Assert.Contains("dram: error: cannot load the application 'import_error:application'", output);
        Assert.Contains("RuntimeError: lifecycle test: this app refuses to import", output);
        Assert.Contains("import_error.py\", line 5, in _configure", output);
        Assert.DoesNotContain("Starting dram", output);
    }

    [Fact]
    public async Task CheckConfigReportsAModuleThatDoesNotExist()
    {
        var (exitCode, output) = await DramProcess.RunToExitAsync(
            ["--check-config", "--chdir", Repo.Apps, "no_such_app_module"], timeout: QuickExit);

        Assert.Equal(4, exitCode);
        Assert.Contains("No module named 'no_such_app_module'", output);
    }

    [Fact]
    public async Task CheckConfigImportsTheAppWithTheConfigFilesEnvironmentAndPaths()
    {
        using var temp = new TemporaryDirectory();
        temp.Write("lib/helper_for_check.py", "VALUE = 'from pythonpath'\n");
        temp.Write("site/needs_config.py", """
            import os

            import helper_for_check

            if os.environ.get("NEEDED") != "yes":
                raise RuntimeError("NEEDED is not set")


            def application(environ, start_response):
                start_response("200 OK", [])
                return [helper_for_check.VALUE.encode()]
            """);
        var config = temp.Write("gunicorn.conf.py", $"chdir = '{temp.Path}/site'\npythonpath = ['{temp.Path}/lib']\nraw_env = ['NEEDED=yes']\nwsgi_app = 'needs_config:application'\n");

        var (exitCode, output) = await DramProcess.RunToExitAsync(["--check-config", "-c", config], timeout: QuickExit);
        Assert.True(exitCode == 0, output);
        Assert.Contains("dram: configuration OK: needs_config:application", output);

        var (failedCode, failed) = await DramProcess.RunToExitAsync(["--check-config", "-c", config, "-e", "NEEDED=no"], timeout: QuickExit);
        Assert.Equal(4, failedCode);
        Assert.Contains("RuntimeError: NEEDED is not set", failed);
    }

    [Fact]
    public async Task CheckConfigWorksFromGunicornCmdArgs()
    {
        var (exitCode, output) = await DramProcess.RunToExitAsync(["--chdir", Repo.Apps, "echo:application"],
            new Dictionary<string, string> { ["GUNICORN_CMD_ARGS"] = "--check-config" }, QuickExit);

        Assert.True(exitCode == 0, output);
        Assert.Contains("dram: configuration OK: echo:application", output);
        Assert.DoesNotContain("Listening at", output);
    }
}
