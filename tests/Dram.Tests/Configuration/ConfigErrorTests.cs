using Dram.Tests.Infrastructure;

namespace Dram.Tests.Configuration;

/// <summary>
/// A config file or environment argument that cannot be used stops dram before anything starts
/// or binds: exit code 2 and one <c>dram: error:</c> line naming the file (or variable), the setting,
/// the value and what is accepted, followed by the Python traceback when there is one.
/// </summary>
public sealed class ConfigErrorTests
{
    private static readonly TimeSpan QuickExit = TimeSpan.FromSeconds(60);

    /// <summary>Runs dram with <paramref name="args"/> and checks it stopped as a usage error; returns the error line and what follows it.</summary>
    private static async Task<string> UsageErrorAsync(IEnumerable<string> args, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var port = FreePort.Next();
        var (exitCode, output) = await DramProcess.RunToExitAsync(["--bind", $"127.0.0.1:{port}", "--chdir", Repo.Apps, .. args],
            environment, QuickExit, workingDirectory);
        Assert.True(exitCode == 2, $"exit code {exitCode}:\n{output}");
        Assert.DoesNotContain("Starting dram", output);
        Assert.DoesNotContain("Listening at", output);
        Assert.True(PortState.CanListen(port), $"port {port} is still taken");
        var errors = output.Split('\n').Where(l => l.StartsWith("dram: error:", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1, $"expected one error line:\n{output}");
        return output[output.IndexOf("dram: error:", StringComparison.Ordinal)..];
    }

    [Theory]
    [InlineData("workers = 'many'\n", "workers = 'many': not a whole number >= 0")]
    [InlineData("workers = 0\n", "workers = 0: must be between 1 and 512")]
    [InlineData("workers = [2, 4]\n", "workers = [2, 4]: a list is not accepted; workers takes a whole number, e.g. workers = 1")]
    [InlineData("timeout = 2.5\n", "timeout = 2.5: a non-whole number is not accepted; timeout takes a whole number, e.g. timeout = 30")]
    [InlineData("threads = True\n", "threads = True: a bool is not accepted; threads takes a whole number")]
    [InlineData("bind = ['127.0.0.1:notaport']\n", "bind = ['127.0.0.1:notaport']: 'notaport' is not a port number")]
    [InlineData("bind = [['127.0.0.1', 8000]]\n", "bind = [['127.0.0.1', 8000]]: a list or dict holding more than strings and numbers is not accepted; bind takes a string or a list of strings")]
    [InlineData("raw_env = ['NO_EQUALS']\n", "raw_env = ['NO_EQUALS']: must look like KEY=VALUE")]
    [InlineData("loglevel = 'loud'\n", "loglevel = 'loud': must be debug, info, warning, error or critical")]
    [InlineData("chdir = '/nonexistent/dram-test-dir'\n", "chdir = '/nonexistent/dram-test-dir': directory /nonexistent/dram-test-dir does not exist")]
    [InlineData("import os\nkeepalive = os.getcwd\n", "keepalive = <built-in function getcwd>: a function is not accepted; keepalive takes a whole number")]
    [InlineData("on_starting = 'not a function'\n", "on_starting = 'not a function': a server hook must be a function, e.g. def on_starting(server): ...")]
    [InlineData("def pre_request(worker):\n    pass\n", "the pre_request hook is called with (worker, req); define it as def pre_request(worker, req): ...")]
    [InlineData("def post_request(worker):\n    pass\n", "the post_request hook is called with (worker, req, environ, resp), or the first 3 or 2 of them")]
    [InlineData("daemon = True\n", "daemon = True: Dram does not daemonize; run it under systemd or another supervisor")]
    public async Task ABadValueNamesTheFileTheSettingTheValueAndWhatIsAccepted(string content, string expected)
    {
        using var temp = new TemporaryDirectory();
        var config = temp.Write("gunicorn.conf.py", content);

        var error = await UsageErrorAsync(["-c", config, "echo:application"]);

        Assert.StartsWith($"dram: error: {config}: {expected}", error);
    }

    [Fact]
    public async Task AMissingConfigFileIsNamed()
    {
        var error = await UsageErrorAsync(["-c", "/nonexistent/dram-test/gunicorn.conf.py", "echo:application"]);
        Assert.StartsWith("dram: error: -c /nonexistent/dram-test/gunicorn.conf.py: the config file /nonexistent/dram-test/gunicorn.conf.py does not exist", error);
    }

    [Fact]
    public async Task ADirectoryGivenAsTheConfigFileIsNamed()
    {
        using var temp = new TemporaryDirectory();
        var error = await UsageErrorAsync(["--config", temp.Path, "echo:application"]);
        Assert.StartsWith($"dram: error: -c {temp.Path}: {temp.Path} is a directory; name the config file in it", error);
    }

    [Fact]
    public async Task ASyntaxErrorNamesTheFileAndLine()
    {
        using var temp = new TemporaryDirectory();
        var config = temp.Write("gunicorn.conf.py", "workers = 2\nthreads = (\nbind = '127.0.0.1:8000'\n");

        var error = await UsageErrorAsync(["-c", config, "echo:application"]);

        Assert.StartsWith($"dram: error: config file {config}: SyntaxError: ", error);
        Assert.Contains("(gunicorn.conf.py, line 2)", error.Split('\n')[0]);
        Assert.Contains($"File \"{config}\", line 2", error);
    }

    [Fact]
    public async Task AnExceptionIsReportedWithWhereItHappenedAndItsTraceback()
    {
        using var temp = new TemporaryDirectory();
        var config = temp.Write("gunicorn.conf.py", "import os\n\n\ndef cores():\n    return int(os.environ['NO_SUCH_VARIABLE_FOR_DRAM'])\n\n\nworkers = cores() * 2\n");

        var error = await UsageErrorAsync(["-c", config, "echo:application"]);

        Assert.StartsWith($"dram: error: config file {config}: KeyError: 'NO_SUCH_VARIABLE_FOR_DRAM' (at {config}, line 5)", error);
        Assert.Contains("Traceback (most recent call last):", error);
        Assert.Contains($"File \"{config}\", line 8, in <module>", error);
        Assert.Contains($"File \"{config}\", line 5, in cores", error);
        // The traceback starts in the config file: Dram's helper and the import machinery are left out.
        Assert.DoesNotContain("importlib", error);
        Assert.DoesNotContain("<string>", error);
    }

    [Fact]
    public async Task AnImportErrorInTheConfigFileIsReported()
    {
        using var temp = new TemporaryDirectory();
        var config = temp.Write("gunicorn.conf.py", "import no_such_module_for_dram\nworkers = 2\n");

        var error = await UsageErrorAsync(["-c", config, "echo:application"]);

        Assert.StartsWith($"dram: error: config file {config}: ModuleNotFoundError: No module named 'no_such_module_for_dram' (at {config}, line 1)", error);
    }

    [Fact]
    public async Task AMissingConfigModuleSaysWhereItWasLookedFor()
    {
        var error = await UsageErrorAsync(["-c", "python:no_such_config_module", "echo:application"]);
        Assert.StartsWith("dram: error: config module python:no_such_config_module: No module named 'no_such_config_module'. It was looked for in sys.path, which starts ['" + Repo.Apps + "'", error);
    }

    [Fact]
    public async Task PythonColonWithoutAModuleIsRefused()
    {
        var error = await UsageErrorAsync(["-c", "python:", "echo:application"]);
        Assert.StartsWith("dram: error: -c python:: name the module to import, e.g. -c python:mysite.gunicorn_conf", error);
    }

    [Theory]
    [InlineData("GUNICORN_CMD_ARGS", "--workers many", "GUNICORN_CMD_ARGS: --workers many: not a whole number >= 0")]
    [InlineData("DRAM_CMD_ARGS", "--threads=0", "DRAM_CMD_ARGS: --threads 0: must be between 1 and 1024")]
    [InlineData("GUNICORN_CMD_ARGS", "--no-such-flag", "GUNICORN_CMD_ARGS: unrecognized argument '--no-such-flag'")]
    [InlineData("GUNICORN_CMD_ARGS", "--daemon", "GUNICORN_CMD_ARGS: --daemon: Dram does not daemonize")]
    [InlineData("GUNICORN_CMD_ARGS", "-e 'A=unclosed", "GUNICORN_CMD_ARGS: the single quote at character 4 is not closed")]
    [InlineData("DRAM_CMD_ARGS", "other:app", "DRAM_CMD_ARGS: unexpected argument 'other:app': give the APP_MODULE on the command line, or as wsgi_app in the config file")]
    [InlineData("WEB_CONCURRENCY", "many", "WEB_CONCURRENCY=many: not a whole number >= 0 (it sets workers, -w/--workers)")]
    [InlineData("FORWARDED_ALLOW_IPS", "10.0.0.300", "FORWARDED_ALLOW_IPS=10.0.0.300: ")]
    public async Task ABadEnvironmentValueNamesTheVariable(string variable, string value, string expected)
    {
        var error = await UsageErrorAsync(["echo:application"], new Dictionary<string, string> { [variable] = value });
        Assert.StartsWith($"dram: error: {expected}", error);
    }

    [Fact]
    public async Task AConfigFileThatCannotBeReadStopsPrintAndCheckConfigToo()
    {
        using var temp = new TemporaryDirectory();
        var config = temp.Write("gunicorn.conf.py", "workers = 'many'\n");
        foreach (var action in new[] { "--print-config", "--check-config" })
        {
            var error = await UsageErrorAsync([action, "-c", config, "echo:application"]);
            Assert.StartsWith($"dram: error: {config}: workers = 'many'", error);
        }
    }

    [Fact]
    public async Task NoAppModuleAndNoWsgiAppIsAUsageError()
    {
        using var temp = new TemporaryDirectory();
        var config = temp.Write("gunicorn.conf.py", "workers = 2\n");
        var error = await UsageErrorAsync(["-c", config]);
        Assert.StartsWith("dram: error: no APP_MODULE given (nor wsgi_app in a config file)", error);
    }

    [Fact]
    public async Task APythonThatCannotStartToReadTheConfigFileExitsThree()
    {
        using var temp = new TemporaryDirectory();
        var config = temp.Write("gunicorn.conf.py", "workers = 2\n");

        var (exitCode, output) = await DramProcess.RunToExitAsync(
            ["-c", config, "--python", "/nonexistent/dram-test/python3", "--chdir", Repo.Apps, "echo:application"], timeout: QuickExit);

        Assert.Equal(3, exitCode);
        Assert.StartsWith("dram: error: cannot start Python to read the config file: ", output);
        Assert.Contains("/nonexistent/dram-test/python3", output);
        Assert.DoesNotContain("Starting dram", output);
    }
}
