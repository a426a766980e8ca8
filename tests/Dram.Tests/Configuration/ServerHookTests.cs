using System.Text.Json;
using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests.Configuration;

/// <summary>
/// Gunicorn's server hooks from a config file, each seen to run in the right process with the right
/// arguments (they record themselves in a <see cref="HookJournal"/>), and a hook that raises seen
/// to be logged without stopping the server or failing the request.
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed class ServerHookTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(30);

    private const string RecordingHooks = """
        def nworkers_changed(server, new_value, old_value):
            _record("nworkers_changed", pid=server.pid, new=new_value, old=old_value, num_workers=server.num_workers)


        def on_starting(server):
            _record("on_starting", pid=server.pid, workers=server.cfg.workers)


        def when_ready(server):
            _record("when_ready", pid=server.pid)


        def on_reload(server):
            _record("on_reload", pid=server.pid)


        def child_exit(server, worker):
            _record("child_exit", pid=server.pid, worker_pid=worker.pid, age=worker.age)


        def on_exit(server):
            _record("on_exit", pid=server.pid)


        def post_worker_init(worker):
            _record("post_worker_init", worker_pid=worker.pid, ppid=worker.ppid, age=worker.age)


        def pre_request(worker, req):
            _record("pre_request", worker_pid=worker.pid, method=req.method, uri=req.uri, path=req.path, query=req.query,
                    version=list(req.version), headers=req.headers)


        def post_request(worker, req, environ, resp):
            _record("post_request", worker_pid=worker.pid, path=req.path, path_info=environ["PATH_INFO"], status=resp.status,
                    status_code=resp.status_code, sent=resp.sent, headers=resp.headers)


        def worker_int(worker):
            _record("worker_int", worker_pid=worker.pid)


        def worker_abort(worker):
            _record("worker_abort", worker_pid=worker.pid)


        def worker_exit(server, worker):
            _record("worker_exit", server_pid=server.pid, worker_pid=worker.pid)
        """;

    private static (string Config, HookJournal Journal, Dictionary<string, string> Environment) Prepare(TemporaryDirectory temp, string hooks = RecordingHooks)
    {
        var journal = new HookJournal(Path.Combine(temp.Path, "hooks.jsonl"));
        var config = temp.Write("gunicorn.conf.py", HookJournal.Preamble + hooks);
        return (config, journal, new Dictionary<string, string> { [HookJournal.Variable] = journal.Path });
    }

    private static int Int(JsonElement entry, string field) => entry.GetProperty(field).GetInt32();

    [Fact]
    public async Task MasterHooksRunAtStartReloadScalingAndStop()
    {
        using var temp = new TemporaryDirectory();
        var (config, journal, environment) = Prepare(temp);
        await using var dram = await DramProcess.StartAsync("lifecycle:application", ["-c", config], environment);
        try
        {
            var first = (await WorkerProbe.WaitForWorkersAsync(dram, 1, Boot)).Single();
            Assert.Single(await journal.WaitForAsync("when_ready"));
            Assert.Equal(["nworkers_changed", "on_starting"], journal.Order().Where(h => h is "nworkers_changed" or "on_starting").ToArray());
            var started = journal.Of("nworkers_changed")[0];
            Assert.Equal((1, JsonValueKind.Null), (Int(started, "new"), started.GetProperty("old").ValueKind));
            Assert.Equal(1, Int(Assert.Single(journal.Of("on_starting")), "workers"));

            dram.Signal(UnixSignal.Hup);
            Assert.Single(await journal.WaitForAsync("on_reload"));
            var exited = Assert.Single(await journal.WaitForAsync("child_exit"));
            Assert.Equal((first, 1), (Int(exited, "worker_pid"), Int(exited, "age")));

            dram.Signal(UnixSignal.Ttin);
            var changes = await journal.WaitForAsync("nworkers_changed", 2);
            Assert.Equal((2, 1, 2), (Int(changes[1], "new"), Int(changes[1], "old"), Int(changes[1], "num_workers")));
            await WorkerProbe.WaitForWorkersAsync(dram, 2, Boot);
            dram.Signal(UnixSignal.Ttou);
            changes = await journal.WaitForAsync("nworkers_changed", 3);
            Assert.Equal((1, 2), (Int(changes[2], "new"), Int(changes[2], "old")));
            Assert.Equal(2, (await journal.WaitForAsync("child_exit", 2)).Count);

            Assert.Equal(0, await dram.StopAsync());
            var master = new[] { "nworkers_changed", "on_starting", "when_ready", "on_reload", "child_exit", "on_exit" };
            foreach (var entry in journal.Entries().Where(e => master.Contains(e.GetProperty("hook").GetString())))
            {
                Assert.Equal(dram.Pid, Int(entry, "process"));
                Assert.Equal(dram.Pid, Int(entry, "pid"));
            }
            Assert.Equal("on_exit", journal.Order()[^1]);
            Assert.Equal(3, journal.Of("child_exit").Count);
        }
        finally
        {
            output.WriteLine(dram.Output);
            output.WriteLine(journal.ToString());
        }
    }

    [Fact]
    public async Task RequestHooksSeeTheRequestAndTheResponse()
    {
        using var temp = new TemporaryDirectory();
        var (config, journal, environment) = Prepare(temp);
        await using var dram = await DramProcess.StartAsync("responses:application", ["-c", config], environment);
        try
        {
            var response = await RawHttpConnection.ExchangeAsync(dram.Port,
                "GET /good/status-custom-reason?x=1&y=%20two HTTP/1.1\r\nHost: example.test\r\nX-Custom: first\r\nX-Custom: second\r\nConnection: close\r\n\r\n");
            Assert.Equal(299, response.StatusCode);

            var pre = Assert.Single(await journal.WaitForAsync("pre_request"));
            var post = Assert.Single(await journal.WaitForAsync("post_request"));
            var worker = await dram.WorkerPidAsync();
            Assert.Equal((worker, worker), (Int(pre, "process"), Int(pre, "worker_pid")));
            Assert.Equal("GET", pre.GetProperty("method").GetString());
            Assert.Equal("/good/status-custom-reason?x=1&y=%20two", pre.GetProperty("uri").GetString());
            Assert.Equal("/good/status-custom-reason", pre.GetProperty("path").GetString());
            Assert.Equal("x=1&y=%20two", pre.GetProperty("query").GetString());
            Assert.Equal([1, 1], pre.GetProperty("version").EnumerateArray().Select(v => v.GetInt32()));
            var headers = pre.GetProperty("headers").EnumerateArray().Select(h => (h[0].GetString(), h[1].GetString())).ToList();
            Assert.Contains(("HOST", "example.test"), headers);
            Assert.Contains(("X-CUSTOM", "first"), headers);
            Assert.Contains(("X-CUSTOM", "second"), headers);

            Assert.Equal(worker, Int(post, "process"));
            Assert.Equal("/good/status-custom-reason", post.GetProperty("path_info").GetString());
            Assert.Equal(299, Int(post, "status_code"));
            Assert.Equal("299 Fine Thanks", post.GetProperty("status").GetString());
            Assert.Equal(2, Int(post, "sent"));
            var sentHeaders = post.GetProperty("headers").EnumerateArray().Select(h => (h[0].GetString(), h[1].GetString())).ToList();
            Assert.Equal([("Content-Length", "2")], sentHeaders);

            var failed = await RawHttpConnection.ExchangeAsync(dram.Port, "GET /error/before-start HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            Assert.Equal(500, failed.StatusCode);
            var failedPost = (await journal.WaitForAsync("post_request", 2))[1];
            Assert.Equal(("500 Internal Server Error", 500), (failedPost.GetProperty("status").GetString(), Int(failedPost, "status_code")));
        }
        finally
        {
            output.WriteLine(dram.Output);
            output.WriteLine(journal.ToString());
        }
    }

    [Fact]
    public async Task WorkerIntAndWorkerExitRunWhenAWorkerIsInterrupted()
    {
        using var temp = new TemporaryDirectory();
        var (config, journal, environment) = Prepare(temp);
        await using var dram = await DramProcess.StartAsync("lifecycle:application", ["-c", config], environment);
        try
        {
            var worker = (await WorkerProbe.WaitForWorkersAsync(dram, 1, Boot)).Single();
            UnixSignal.Send(worker, UnixSignal.Interrupt);

            var interrupted = Assert.Single(await journal.WaitForAsync("worker_int"));
            Assert.Equal((worker, worker), (Int(interrupted, "process"), Int(interrupted, "worker_pid")));
            var exit = Assert.Single(await journal.WaitForAsync("worker_exit"));
            Assert.Equal((worker, dram.Pid), (Int(exit, "worker_pid"), Int(exit, "server_pid")));
            var reaped = Assert.Single(await journal.WaitForAsync("child_exit"));
            Assert.Equal(worker, Int(reaped, "worker_pid"));
            // The master replaces it, and the replacement runs post_worker_init as the second worker started.
            var initialized = await journal.WaitForAsync("post_worker_init", 2);
            Assert.Equal(2, Int(initialized[1], "age"));
            Assert.Equal(dram.Pid, Int(initialized[1], "ppid"));
            var order = journal.Order();
            Assert.True(order.ToList().IndexOf("worker_int") < order.ToList().IndexOf("worker_exit"), string.Join(", ", order));
        }
        finally
        {
            output.WriteLine(dram.Output);
            output.WriteLine(journal.ToString());
        }
    }

    [Fact]
    public async Task WorkerAbortRunsWhenARequestTimesOut()
    {
        using var temp = new TemporaryDirectory();
        var (config, journal, environment) = Prepare(temp);
        await using var dram = await DramProcess.StartAsync("lifecycle:application", ["-c", config, "--timeout", "1"], environment);
        try
        {
            // A pure-Python loop, which the timeout's exception interrupts: the thread unwinds and post_request runs.
            var response = await RawHttpConnection.ExchangeAsync(dram.Port, "GET /spin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                timeout: TimeSpan.FromSeconds(30));
            Assert.Equal(504, response.StatusCode);

            var worker = await dram.WorkerPidAsync();
            var aborted = Assert.Single(await journal.WaitForAsync("worker_abort"));
            Assert.Equal((worker, worker), (Int(aborted, "process"), Int(aborted, "worker_pid")));
            var post = Assert.Single(await journal.WaitForAsync("post_request"));
            Assert.Equal("/spin", post.GetProperty("path").GetString());
            Assert.Equal(504, Int(post, "status_code"));
            Assert.Equal("504 Gateway Timeout", post.GetProperty("status").GetString());
        }
        finally
        {
            output.WriteLine(dram.Output);
            output.WriteLine(journal.ToString());
        }
    }

    [Fact]
    public async Task AHookThatRaisesIsLoggedAndTheServerAndRequestsCarryOn()
    {
        using var temp = new TemporaryDirectory();
        var (config, journal, environment) = Prepare(temp, """
            import sys


            def on_starting(server):
                raise RuntimeError("on_starting failed on purpose")


            def when_ready(server):
                sys.exit(3)


            def post_worker_init(worker):
                raise ValueError("post_worker_init failed on purpose")


            def pre_request(worker, req):
                raise KeyError("pre_request failed on purpose")


            def post_request(worker, req):
                _record("post_request", path=req.path)
                {}["missing"]
            """);
        await using var dram = await DramProcess.StartAsync("lifecycle:application", ["-c", config, "-w", "2"], environment);
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var (status, _, _) = await WorkerProbe.AskAsync(dram.Port, $"/n{i}");
                Assert.Equal(200, status);
            }
            // post_request in its two-argument form ran for each request, after pre_request failed.
            Assert.Equal(4, (await journal.WaitForAsync("post_request", 4)).Count);

            Assert.True(await dram.WaitForOutputAsync("Error in the post_request hook"), dram.Output);
            foreach (var (hook, raised) in new[]
            {
                ("on_starting", "RuntimeError: on_starting failed on purpose"),
                ("when_ready", "SystemExit: 3"),
                ("post_worker_init", "ValueError: post_worker_init failed on purpose"),
                ("pre_request", "KeyError: 'pre_request failed on purpose'"),
                ("post_request", "KeyError: 'missing'"),
            })
            {
                Assert.Contains($"[ERROR] Error in the {hook} hook of {config} (ignored; the server carries on):", dram.Output);
                Assert.Contains(raised, dram.Output);
            }
            Assert.Contains($"File \"{config}\", line ", dram.Output);
            Assert.False(dram.HasExited);
            Assert.DoesNotContain(" died: ", dram.Output);
            Assert.Equal(0, await dram.StopAsync());
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }
}
