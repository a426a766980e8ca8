using Dram.Tests.Infrastructure;

namespace Dram.Tests.Configuration;

/// <summary>
/// Precedence between the sources of a setting, lowest first: default, environment variable
/// (WEB_CONCURRENCY...), config file, GUNICORN_CMD_ARGS, DRAM_CMD_ARGS, command line — read back
/// through --print-config, which names the source of each value, and checked live in the workers.
/// </summary>
public sealed class SettingSourceTests
{
    /// <summary>Every combination of the four sources giving --threads a different value.</summary>
    public static TheoryData<bool, bool, bool, bool> SourceCombinations()
    {
        var data = new TheoryData<bool, bool, bool, bool>();
        for (var mask = 0; mask < 16; mask++)
        {
            data.Add((mask & 1) != 0, (mask & 2) != 0, (mask & 4) != 0, (mask & 8) != 0);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(SourceCombinations))]
    public async Task TheHighestSourceThatGivesASettingWins(bool inConfigFile, bool inGunicornArgs, bool inDramArgs, bool onCommandLine)
    {
        using var temp = new TemporaryDirectory();
        var config = temp.Write("gunicorn.conf.py", inConfigFile ? "threads = 2\n" : "# nothing\n");
        var environment = new Dictionary<string, string>();
        if (inGunicornArgs)
        {
            environment["GUNICORN_CMD_ARGS"] = "--threads 3";
        }
        if (inDramArgs)
        {
            environment["DRAM_CMD_ARGS"] = "--threads=4";
        }
        List<string> args = ["-c", config, "echo:application"];
        if (onCommandLine)
        {
            args.AddRange(["--threads", "5"]);
        }

        var printed = await PrintedConfig.RunAsync(args, environment);

        var (value, source) = onCommandLine ? ("5", "command line")
            : inDramArgs ? ("4", "DRAM_CMD_ARGS")
            : inGunicornArgs ? ("3", "GUNICORN_CMD_ARGS")
            : inConfigFile ? ("2", config)
            : ("1", "default");
        Assert.Equal(value, printed.ValueOf("threads"));
        Assert.Equal(source, printed.SourceOf("threads"));
    }

    [Theory]
    [InlineData(false, false, "1", "default")]
    [InlineData(true, false, "3", "WEB_CONCURRENCY")]
    [InlineData(false, true, "2", "config")]
    [InlineData(true, true, "2", "config")]
    public async Task WebConcurrencyIsAboveTheDefaultAndBelowTheConfigFile(bool webConcurrency, bool inConfigFile, string workers, string source)
    {
        using var temp = new TemporaryDirectory();
        var config = temp.Write("gunicorn.conf.py", inConfigFile ? "workers = 2\n" : "# nothing\n");
        var environment = webConcurrency ? new Dictionary<string, string> { ["WEB_CONCURRENCY"] = "3" } : null;

        var printed = await PrintedConfig.RunAsync(["-c", config, "echo:application"], environment);

        Assert.Equal(workers, printed.ValueOf("workers"));
        Assert.Equal(source == "config" ? config : source, printed.SourceOf("workers"));
    }

    [Fact]
    public async Task CommandLineBeatsWebConcurrency()
    {
        var printed = await PrintedConfig.RunAsync(["-w", "4", "echo:application"], new Dictionary<string, string> { ["WEB_CONCURRENCY"] = "3" });
        Assert.Equal("4", printed.ValueOf("workers"));
        Assert.Equal("command line", printed.SourceOf("workers"));
    }

    [Fact]
    public async Task ARepeatedSettingTakesAllItsValuesFromTheHighestSourceOnly()
    {
        using var temp = new TemporaryDirectory();
        var config = temp.Write("gunicorn.conf.py", "bind = ['127.0.0.1:7001', 'unix:/tmp/from-config.sock']\nraw_env = ['A=1']\n");

        var printed = await PrintedConfig.RunAsync(["-c", config, "-e", "B=2", "-e", "C=3", "echo:application"],
            new Dictionary<string, string> { ["GUNICORN_CMD_ARGS"] = "-b 127.0.0.1:7002 --bind '127.0.0.1:7003'" });

        Assert.Equal("['127.0.0.1:7002', '127.0.0.1:7003']", printed.ValueOf("bind"));
        Assert.Equal("GUNICORN_CMD_ARGS", printed.SourceOf("bind"));
        Assert.Equal("['B=2', 'C=3']", printed.ValueOf("raw_env"));
        Assert.Equal("command line", printed.SourceOf("raw_env"));
    }

    [Fact]
    public async Task EnvironmentVariablesThatSettingsReadAreOverriddenByTheConfigFile()
    {
        using var temp = new TemporaryDirectory();
        var config = temp.Write("gunicorn.conf.py", "forwarded_allow_ips = ['10.0.0.1', '10.0.0.2']\n");
        var environment = new Dictionary<string, string>
        {
            ["FORWARDED_ALLOW_IPS"] = "192.168.0.1",
            ["PORT"] = "7010",
            ["SCRIPT_NAME"] = "/mounted/",
        };

        var printed = await PrintedConfig.RunAsync(["-c", config, "echo:application"], environment);

        Assert.Equal("'10.0.0.1,10.0.0.2'", printed.ValueOf("forwarded_allow_ips"));
        Assert.Equal(config, printed.SourceOf("forwarded_allow_ips"));
        Assert.Equal("['0.0.0.0:7010']", printed.ValueOf("bind"));
        Assert.Equal("PORT", printed.SourceOf("bind"));
        Assert.Equal("'/mounted'", printed.ValueOf("root_path"));
        Assert.Equal("SCRIPT_NAME", printed.SourceOf("root_path"));
    }

    [Fact]
    public async Task TheConfigFileCanBeNamedInGunicornCmdArgsAndTheCommandLineNameWins()
    {
        using var temp = new TemporaryDirectory();
        var fromEnvironment = temp.Write("env.conf.py", "threads = 6\n");
        var fromCommandLine = temp.Write("cli.conf.py", "threads = 7\n");
        var environment = new Dictionary<string, string> { ["GUNICORN_CMD_ARGS"] = $"-c {fromEnvironment}" };

        var named = await PrintedConfig.RunAsync(["echo:application"], environment);
        Assert.Equal("6", named.ValueOf("threads"));
        Assert.Equal($"'{fromEnvironment}'", named.ValueOf("config"));
        Assert.Equal("GUNICORN_CMD_ARGS", named.SourceOf("config"));

        var overridden = await PrintedConfig.RunAsync(["--config", fromCommandLine, "echo:application"], environment);
        Assert.Equal("7", overridden.ValueOf("threads"));
        Assert.Equal("command line", overridden.SourceOf("config"));
    }

    [Fact]
    public async Task GunicornCmdArgsAreSplitAsAShellWould()
    {
        var printed = await PrintedConfig.RunAsync(["echo:application"], new Dictionary<string, string>
        {
            ["GUNICORN_CMD_ARGS"] = """-e 'GREETING=hello world' -e "QUOTED=say \"hi\"" -e ESCAPED=a\ b --threads  2""",
        });

        Assert.Equal("""['GREETING=hello world', 'QUOTED=say "hi"', 'ESCAPED=a b']""", printed.ValueOf("raw_env"));
        Assert.Equal("2", printed.ValueOf("threads"));
    }

    [Fact]
    public async Task WorkersUseTheValuesTheMasterResolvedFromTheEnvironmentArguments()
    {
        await using var dram = await DramProcess.StartAsync("config_probe:application", ["-w", "2"],
            environment: new Dictionary<string, string> { ["GUNICORN_CMD_ARGS"] = "--threads 3 -e FROM_ARGS=gunicorn", ["DRAM_CMD_ARGS"] = "-e FROM_ARGS=dram" });

        Assert.True(await dram.WaitForOutputAsync("(3 Python threads)"), dram.Output);
        var response = await RawHttpConnection.ExchangeAsync(dram.Port, "GET /?env=FROM_ARGS HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.Contains("\"FROM_ARGS\": \"dram\"", response.BodyText);
        Assert.Contains("\"multithread\": true", response.BodyText);
        Assert.Contains("\"multiprocess\": true", response.BodyText);
    }

    [Fact]
    public async Task WorkersDoNotReevaluateTheConfigFileForSettings()
    {
        using var temp = new TemporaryDirectory();
        // The master and a worker would read different values: only the master's may count.
        var config = temp.Write("gunicorn.conf.py", """
            import os
            threads = 2 if os.environ.get("DRAM_WORKER_ID") is None else 7
            raw_env = ["SEEN_BY=" + ("master" if os.environ.get("DRAM_WORKER_ID") is None else "worker")]

            def post_worker_init(worker):
                worker.log.info("post_worker_init: threads=%s", worker.cfg.threads)
            """);

        await using var dram = await DramProcess.StartAsync("config_probe:application", ["-c", config]);

        Assert.True(await dram.WaitForOutputAsync("(2 Python threads)"), dram.Output);
        Assert.True(await dram.WaitForOutputAsync("post_worker_init: threads=2"), dram.Output);
        var response = await RawHttpConnection.ExchangeAsync(dram.Port, "GET /?env=SEEN_BY HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.Contains("\"SEEN_BY\": \"master\"", response.BodyText);
    }
}
