using Dram.Tests.Infrastructure;

namespace Dram.Tests.Configuration;

/// <summary>
/// Config files as Gunicorn reads them: a gunicorn.conf.py run through <c>dram -c</c>, python:MODULE,
/// ./gunicorn.conf.py and ./dram.conf.py picked up from the starting directory, wsgi_app, and the
/// warnings for Gunicorn settings Dram ignores and for likely typos.
/// </summary>
public sealed class ConfigFileTests
{
    private static async Task<RawResponse> GetAsync(int port, string target) =>
        await RawHttpConnection.ExchangeAsync(port, $"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

    [Fact]
    public async Task ARealisticGunicornConfServesAsConfigured()
    {
        using var temp = new TemporaryDirectory();
        var journal = new HookJournal(Path.Combine(temp.Path, "hooks.jsonl"));
        var (first, second) = (FreePort.Next(), FreePort.Next());
        var socket = Path.Combine(temp.Path, "app.sock");
        var config = temp.Write("gunicorn.conf.py", HookJournal.Preamble + $$"""
            import multiprocessing

            bind = ["127.0.0.1:{{first}}", "127.0.0.1:{{second}}", "unix:{{socket}}"]
            workers = 2
            threads = 3
            timeout = 20
            graceful_timeout = 10
            keepalive = 5
            raw_env = ["GREETING=hello", "TARGET=world"]
            forwarded_allow_ips = ["127.0.0.1", "::1"]
            max_requests = 1000
            max_requests_jitter = 50
            loglevel = "info"
            accesslog = "-"
            workers_per_core = 2


            def on_starting(server):
                _record("on_starting", pid=server.pid, workers=server.cfg.workers, bind=server.cfg.bind, threads=server.cfg.threads)


            def post_worker_init(worker):
                _record("post_worker_init", worker_pid=worker.pid, ppid=worker.ppid, age=worker.age)


            def worker_exit(server, worker):
                _record("worker_exit", server_pid=server.pid, worker_pid=worker.pid)


            def on_exit(server):
                _record("on_exit", pid=server.pid)
            """);
        var environment = new Dictionary<string, string> { [HookJournal.Variable] = journal.Path };

        await using var dram = await DramProcess.StartAsync("config_probe:application", ["-c", config], environment, boundPort: first);

        Assert.Contains($"Config file: {config}", dram.Output);
        Assert.True(await dram.WaitForOutputAsync($"Listening at: unix:{socket}"), dram.Output);
        var workers = await ProcessTable.WaitForChildCountAsync(dram.Pid, 2, TimeSpan.FromSeconds(30));
        Assert.Equal(2, workers.Count);
        Assert.True(await dram.WaitForOutputAsync("(3 Python threads)"), dram.Output);
        foreach (var port in new[] { first, second })
        {
            var response = await GetAsync(port, "/?env=GREETING,TARGET");
            Assert.Equal(200, response.StatusCode);
            Assert.Contains("\"GREETING\": \"hello\", \"TARGET\": \"world\"", response.BodyText);
        }
        using (var unix = UnixSocketHttp.CreateClient(socket))
        {
            Assert.Contains("\"multiprocess\": true", await unix.GetStringAsync("/"));
        }
        // accesslog = "-" writes the access log to stdout, a line per request.
        Assert.True(await dram.WaitForOutputAsync("\"GET /?env=GREETING,TARGET HTTP/1.1\" 200"), dram.Output);
        // A helper variable of the file's own is nobody's business.
        Assert.DoesNotContain("workers_per_core", dram.Output);

        var starting = Assert.Single(journal.Of("on_starting"));
        Assert.Equal(dram.Pid, starting.GetProperty("pid").GetInt32());
        Assert.Equal(dram.Pid, starting.GetProperty("process").GetInt32());
        Assert.Equal(2, starting.GetProperty("workers").GetInt32());
        Assert.Equal(3, starting.GetProperty("threads").GetInt32());
        Assert.Equal(3, starting.GetProperty("bind").GetArrayLength());
        var initialized = await journal.WaitForAsync("post_worker_init", 2);
        Assert.Equal(workers.Order(), initialized.Select(e => e.GetProperty("worker_pid").GetInt32()).Order());
        Assert.All(initialized, e => Assert.Equal(dram.Pid, e.GetProperty("ppid").GetInt32()));
        Assert.Equal([1, 2], initialized.Select(e => e.GetProperty("age").GetInt32()).Order());

        Assert.Equal(0, await dram.StopAsync());
        var exits = journal.Of("worker_exit");
        Assert.Equal(workers.Order(), exits.Select(e => e.GetProperty("process").GetInt32()).Order());
        Assert.All(exits, e => Assert.Equal(dram.Pid, e.GetProperty("server_pid").GetInt32()));
        Assert.Equal("on_exit", journal.Order()[^1]);
        Assert.Equal(dram.Pid, Assert.Single(journal.Of("on_exit")).GetProperty("process").GetInt32());
    }

    [Fact]
    public async Task APythonModuleConfigIsImportedFromTheStartingDirectoryInTheMasterAndTheWorkers()
    {
        using var temp = new TemporaryDirectory();
        temp.Write("deploy/__init__.py", "");
        temp.Write("deploy/gunicorn_conf.py", """
            threads = 2
            raw_env = {"FROM_MODULE": "yes", "SECOND": "too"}


            def post_worker_init(worker):
                worker.log.info("post_worker_init from the config module in worker %s", worker.age)
            """);

        // The app comes from --chdir, the config module from where dram starts.
        await using var dram = await DramProcess.StartAsync("config_probe:application", ["-c", "python:deploy.gunicorn_conf"],
            workingDirectory: temp.Path);

        Assert.Contains("Config file: python:deploy.gunicorn_conf", dram.Output);
        Assert.True(await dram.WaitForOutputAsync("(2 Python threads)"), dram.Output);
        Assert.True(await dram.WaitForOutputAsync("post_worker_init from the config module in worker 1"), dram.Output);
        var response = await GetAsync(dram.Port, "/?env=FROM_MODULE,SECOND");
        Assert.Contains("\"FROM_MODULE\": \"yes\", \"SECOND\": \"too\"", response.BodyText);
    }

    [Fact]
    public async Task GunicornConfInTheStartingDirectoryIsReadWithoutDashC()
    {
        using var temp = new TemporaryDirectory();
        var port = FreePort.Next();
        var config = temp.Write("gunicorn.conf.py", $"bind = '127.0.0.1:{port}'\nwsgi_app = 'config_probe:application'\nraw_env = ['PICKED=up']\n");

        await using var dram = await DramProcess.StartAsync(null, workingDirectory: temp.Path, boundPort: port);

        Assert.Contains($"Config file: {config}", dram.Output);
        var response = await GetAsync(port, "/?env=PICKED");
        Assert.Contains("\"PICKED\": \"up\"", response.BodyText);
    }

    [Fact]
    public async Task DramConfWinsOverGunicornConfWithAWarning()
    {
        using var temp = new TemporaryDirectory();
        var dramConfig = temp.Write("dram.conf.py", "threads = 4\n");
        var gunicornConfig = temp.Write("gunicorn.conf.py", "threads = 9\n");

        var printed = await PrintedConfig.RunAsync(["--chdir", Repo.Apps, "echo:application"], workingDirectory: temp.Path);

        Assert.Equal("4", printed.ValueOf("threads"));
        Assert.Equal($"'{dramConfig}'", printed.ValueOf("config"));
        Assert.Equal("found in the current directory", printed.SourceOf("config"));
        Assert.Contains($"dram: warning: {dramConfig} and {gunicornConfig} both exist; reading only dram.conf.py", printed.Output);
    }

    [Fact]
    public async Task TheAppModuleArgumentWinsOverWsgiApp()
    {
        using var temp = new TemporaryDirectory();
        var config = temp.Write("gunicorn.conf.py", "wsgi_app = 'no_such_module:application'\n");

        await using var dram = await DramProcess.StartAsync("config_probe:application", ["-c", config]);

        Assert.Equal(200, (await GetAsync(dram.Port, "/")).StatusCode);
    }

    [Fact]
    public async Task ADictGivesARepeatedSettingItsItems()
    {
        using var temp = new TemporaryDirectory();
        temp.Write("files/hello.txt", "hello from a dict\n");
        var config = temp.Write("gunicorn.conf.py", $"static_map = {{'/files': '{temp.Path}/files'}}\n");

        await using var dram = await DramProcess.StartAsync("config_probe:application", ["-c", config]);

        var response = await GetAsync(dram.Port, "/files/hello.txt");
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("hello from a dict\n", response.BodyText);
    }

    [Fact]
    public async Task UnsupportedGunicornSettingsAndLikelyTyposAreWarnedAbout()
    {
        using var temp = new TemporaryDirectory();
        var config = temp.Write("gunicorn.conf.py", """
            import multiprocessing
            import os

            worker = 4
            TIMEOUT = 5
            preload_app = True
            worker_class = "gthread"
            daemon = False
            user = None
            greeting = "hello"


            def post_fork(server, worker):
                pass


            def pre_reqest(worker, req):
                pass
            """);

        var printed = await PrintedConfig.RunAsync(["-c", config, "echo:application"]);

        Assert.Contains($"dram: warning: {config}: 'worker' is not a setting and is ignored; did you mean 'workers'?", printed.Output);
        Assert.Contains($"dram: warning: {config}: 'TIMEOUT' is not a setting and is ignored; did you mean 'timeout'?", printed.Output);
        Assert.Contains($"dram: warning: {config}: 'pre_reqest' is not a server hook and is never called; did you mean 'pre_request'?", printed.Output);
        Assert.Contains($"preload_app = True in {config} (a Gunicorn setting Dram does not act on yet)", printed.Output);
        Assert.Contains($"worker_class = 'gthread' in {config}", printed.Output);
        Assert.Contains($"the post_fork hook in {config} (Dram starts each worker as a new process", printed.Output);
        // Settings left at Gunicorn's defaults ask for nothing; the file's own names are its business.
        foreach (var quiet in new[] { "greeting", "multiprocessing", "'os'" })
        {
            Assert.DoesNotContain(quiet, printed.Output.Replace(config, "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
        Assert.Equal("1", printed.ValueOf("workers"));
    }

    [Fact]
    public async Task WorkersExecuteTheConfigFileOnlyWhenItDefinesAWorkerHook()
    {
        using var temp = new TemporaryDirectory();
        var marker = Path.Combine(temp.Path, "executions");
        const string CountExecution = "import os\nwith open(os.environ['EXECUTIONS'], 'a') as f:\n    f.write(str(os.getpid()) + '\\n')\nworkers = 2\n";
        var environment = new Dictionary<string, string> { ["EXECUTIONS"] = marker };

        var masterOnly = temp.Write("master_only.conf.py", CountExecution + "def on_starting(server):\n    pass\n");
        await using (var dram = await DramProcess.StartAsync("lifecycle:application", ["-c", masterOnly], environment))
        {
            // Both workers answer, so both have loaded the app: past where they would have read the file.
            await WorkerProbe.WaitForWorkersAsync(dram, 2, TimeSpan.FromSeconds(30));
            Assert.Equal([dram.Pid.ToString()], File.ReadAllLines(marker));
        }

        File.Delete(marker);
        var withWorkerHook = temp.Write("worker_hook.conf.py", CountExecution + "def post_worker_init(worker):\n    pass\n");
        await using (var dram = await DramProcess.StartAsync("lifecycle:application", ["-c", withWorkerHook], environment))
        {
            var workers = await WorkerProbe.WaitForWorkersAsync(dram, 2, TimeSpan.FromSeconds(30));
            Assert.Equal(new[] { dram.Pid }.Concat(workers).Order(), File.ReadAllLines(marker).Select(int.Parse).Order());
        }
    }
}
