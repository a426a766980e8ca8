using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Dram.Tests.Infrastructure;
using Dram.Tests.Responses;
using Xunit.Abstractions;

namespace Dram.Tests.Misbehaving;

/// <summary>
/// The misbehaving-app matrix (tests/apps/misbehaving.py): for every way an app can break the WSGI
/// contract or its own process, the client gets a defined answer (a status, or a connection closed
/// so a partial response cannot pass for complete), the log holds exactly one line naming the
/// fault, the worker is kept or replaced as stated, and another client served at the same time
/// is not affected (except for its requests that were inside a worker that died: counted, at most
/// one per connection). Each verified case is recorded for docs/robustness.md.
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed partial class MisbehavingAppTests(MisbehavingApp server, ITestOutputHelper output) : IClassFixture<MisbehavingApp>
{
    private const string Section = "Misbehaving apps";
    private const string App = "misbehaving:application";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>The outcome shared by every request-level row: the worker and the other client.</summary>
    private const string Unaffected = "the worker keeps serving; a concurrent client's requests to the same worker are all answered";

    /// <summary>The outcome shared by the rows where a worker dies: what the other clients see.</summary>
    private const string CutInDeadWorker = "another client's requests are all answered except those in flight inside the dead worker (at most one per connection)";

    public static TheoryData<string> Routes()
    {
        var routes = new TheoryData<string>();
        foreach (var route in Misbehaviours.ByRoute.Keys)
        {
            routes.Add(route);
        }
        return routes;
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task RequestLevelFaultGetsItsDefinedAnswerAndOneLogLine(string route)
    {
        var fault = Misbehaviours.ByRoute[route];
        var tag = CloseCount.NewTag();
        var path = $"/{route}/{tag}";
        var worker = await server.Dram.WorkerPidAsync();
        var logFrom = server.Dram.Output.Length;
        await using var bystander = LoadClient.Start(server.Dram.BaseUrl + "/ok/bystander", concurrency: 2);
        Assert.True(await bystander.WaitForMoreAsync(10, Patience), "the concurrent client got no answers before the fault");

        if (fault.ClientLeaves)
        {
            await LeaveMidResponseAsync($"{path}?tag={tag}");
        }
        else if (fault.Status is { } status)
        {
            await ExpectAnswerAsync($"{path}?tag={tag}", status, fault.Body);
        }
        else
        {
            await ExpectCutAsync(path, fault.Body);
        }
        if (fault.ClosesIterable)
        {
            Assert.Equal(1, await CloseCount.WaitForAsync(server.Port, tag));
        }
        if (fault.Logged is not null)
        {
            await ErrorLogEntry.WaitForAsync(server.Dram, $"GET {path}", fault.Logged);
        }

        // The other client is still answered after the fault, by the same worker.
        Assert.True(await bystander.WaitForMoreAsync(10, Patience), "the concurrent client got no answers after the fault");
        var summary = await bystander.StopAsync();
        output.WriteLine(summary.Report());
        Assert.Empty(summary.Failures);
        Assert.All(summary.Outcomes, o => Assert.Equal(worker, o.Pid));
        Assert.Equal([worker], ProcessTable.ChildrenOf(server.Dram.Pid));

        var problems = ProblemLines.In(server.Dram.Output[logFrom..]);
        if (fault.Level is null)
        {
            Assert.Empty(problems);
        }
        else
        {
            var line = Assert.Single(problems);
            Assert.Contains($"] [{fault.Level}] ", line);
            Assert.Contains($"GET {path}", line);
            Assert.Contains(fault.Logged!, line);
        }

        var logged = fault.Level is null ? "nothing logged" : $"one {fault.Level} line: \"{fault.Logged}\"";
        RobustnessLog.Record(Section, fault.Scenario, $"{fault.Answer}; {logged}; {Unaffected}");
    }

    [Fact]
    public async Task SegfaultInCCodeKillsOnlyItsWorkerWhichIsReplaced()
    {
        const string died = "segmentation fault (SIGSEGV), usually a crash in a C extension; -e PYTHONFAULTHANDLER=1 logs the Python stack of the thread that crashed";
        await WorkerDiesAsync("segfault", died, []);
        RobustnessLog.Record(Section, "segfault in C code (ctypes.string_at(0))",
            $"the connection closes without a response; one ERROR line from the master: \"Worker N (pid P) died: {died}\"; "
            + $"a replacement worker starts at once; {CutInDeadWorker}");
    }

    [Fact]
    public async Task OsExitEndsOnlyItsWorkerWhichIsReplaced()
    {
        const string died = "exit code 3 (the app ended the process: os._exit() or exit() in C code)";
        await WorkerDiesAsync("exit", died, []);
        RobustnessLog.Record(Section, "os._exit(3) in a request",
            $"the connection closes without a response; one ERROR line from the master: \"Worker N (pid P) died: {died}\"; "
            + $"a replacement worker starts at once; {CutInDeadWorker}");
    }

    [Fact]
    public async Task RequestAllocatingWithoutEndGetsItsWorkerKilledAtTwiceTheMemoryLimit()
    {
        var line = await WorkerDiesAsync("allocate", null, ["--max-worker-memory", "150"]);
        var used = int.Parse(MemoryKill().Match(line).Groups["mb"].Value, CultureInfo.InvariantCulture);
        Assert.InRange(used, 300, 2000);
        RobustnessLog.Record(Section, "a request allocates memory without end (--max-worker-memory 150)",
            "the worker asks to be replaced once past 150 MB, as for any leak; the request keeps allocating, so at twice the limit the master kills the worker: "
            + "the connection closes without a response; one ERROR line: \"Worker N (pid P) uses M MB, twice --max-worker-memory (150 MB): memory grows faster than it can drain (a request allocating without end?); killing it\"; "
            + $"the replacement serves; {CutInDeadWorker}");
    }

    [Fact]
    public async Task RequestBlockedInCIsAnswered504AndItsWorkerReplacedWithoutFailingOthers()
    {
        await using var dram = await DramProcess.StartAsync(App, ["--threads", "2", "--timeout", "2"]);
        try
        {
            var worker = (await WorkerProbe.WaitForWorkersAsync(dram, 1, Patience)).Single();
            var logFrom = dram.Output.Length;
            var path = $"/block-in-c/{CloseCount.NewTag()}";
            await using var bystander = LoadClient.Start(dram.BaseUrl + "/ok/bystander", concurrency: 2);
            Assert.True(await bystander.WaitForMoreAsync(10, Patience));

            var clock = Stopwatch.StartNew();
            var response = await RawHttpConnection.ExchangeAsync(dram.Port, Wire.Request(path, close: true), timeout: Patience);
            Assert.Equal("HTTP/1.1 504 Gateway Timeout", response.StatusLine);
            Assert.Equal("Gateway Timeout\n", response.BodyText);
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.9), Patience);

            // The async exception cannot reach a thread waiting in C: the worker is replaced, gracefully.
            Assert.True(await dram.WaitForOutputAsync($"Worker 1 asks to be replaced: a request thread is stuck in C code (GET {path})", Patience), dram.Output);
            Assert.True(await dram.WaitForOutputAsync($"Worker 1 (pid {worker}) stopped", TimeSpan.FromSeconds(60)), dram.Output);
            var replacement = (await WorkerProbe.WaitForWorkersAsync(dram, 1, Patience)).Single();
            Assert.NotEqual(worker, replacement);
            var since = DateTime.UtcNow;
            Assert.NotNull(await bystander.WaitForAnswerAsync(o => o.Pid == replacement, since, Patience));
            var summary = await bystander.StopAsync();
            output.WriteLine(summary.Report());
            Assert.Empty(summary.Failures);

            var log = dram.Output[logFrom..];
            var error = Assert.Single(ProblemLines.At(log, "ERROR"));
            Assert.Contains($"Request timed out: GET {path} ran ", error);
            Assert.Contains("answered 504 Gateway Timeout and raised dram.RequestTimeout in its thread, which was at:", error);
            Assert.Contains("os.read(_never_readable, 1)", log);
            var warning = Assert.Single(ProblemLines.At(log, "WARNING"));
            Assert.Contains($"GET {path}: its thread did not unwind within 5 s of the timeout (blocked in C code?); this worker will be replaced", warning);
            Assert.Empty(ProblemLines.At(log, "CRITICAL"));
            Assert.DoesNotContain(" died: ", log);

            RobustnessLog.Record(Section, "blocks forever in C (a read on a pipe) past --timeout 2",
                "504 Gateway Timeout after 2 s; one ERROR line: \"Request timed out: GET /path ran 2.x s (--timeout 2 s); answered 504 Gateway Timeout and raised dram.RequestTimeout in its thread, which was at:\" with the Python stack; "
                + "the exception cannot interrupt C code, so after 5 s a WARNING says the worker will be replaced; a replacement starts, then the old worker drains; "
                + "a concurrent client's requests are all answered, first by the old worker, then by the new one");
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    [Fact]
    public async Task ThreadLeftRunningDoesNotDisturbServingNorHoldUpTheStop()
    {
        var dram = await DramProcess.StartAsync(App, ["--threads", "2"]);
        try
        {
            var worker = (await WorkerProbe.WaitForWorkersAsync(dram, 1, Patience)).Single();
            var logFrom = dram.Output.Length;
            var tag = CloseCount.NewTag();
            await using var bystander = LoadClient.Start(dram.BaseUrl + "/ok/bystander", concurrency: 2);
            Assert.True(await bystander.WaitForMoreAsync(10, Patience));

            var response = await Wire.GetAsync(dram.Port, $"/leave-thread/{tag}");
            Assert.Equal(200, response.StatusCode);
            Assert.Equal($"pid={worker} version=misbehaving", response.BodyText);
            Assert.Equal($"left-running-{tag}", (await Wire.GetAsync(dram.Port, "/threads")).BodyText);
            Assert.True(await bystander.WaitForMoreAsync(10, Patience));
            var summary = await bystander.StopAsync();
            Assert.Empty(summary.Failures);
            Assert.All(summary.Outcomes, o => Assert.Equal(worker, o.Pid));

            // Python would wait for the thread at exit; the worker does not (--graceful-timeout is 30 s).
            var clock = Stopwatch.StartNew();
            Assert.Equal(0, await dram.StopAsync(TimeSpan.FromSeconds(25)));
            output.WriteLine($"stopped in {clock.ElapsedMilliseconds} ms");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the stop took {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.False(ProcessTable.IsRunningDram(worker));
            var log = dram.Output[logFrom..];
            var warning = Assert.Single(ProblemLines.In(log));
            Assert.Contains($"[WARNING] Worker 1 stops with threads the app started still running: left-running-{tag}. They end with the process, unfinished (Python would wait for them)", warning);

            RobustnessLog.Record(Section, "leaves a (non-daemon) thread running after its response",
                "200; the thread keeps running beside the requests, which are all answered; the worker's stop is not held up by it (Python would wait for it): "
                + "one WARNING line as the worker stops: \"Worker N stops with threads the app started still running: NAME. They end with the process, unfinished\"");
        }
        finally
        {
            output.WriteLine(dram.Output);
            await dram.DisposeAsync();
        }
    }

    /// <summary>
    /// Two workers serve a concurrent client; a request to <paramref name="route"/> kills the worker
    /// it lands in. Checks that its connection closes without a response, that the log's only
    /// problem line is the one naming the death (the master's "died: <paramref name="died"/>", or a
    /// kill over the memory limit when null), that a replacement serves, and that the other client
    /// only lost requests in flight in the dead worker. Returns the problem line.
    /// </summary>
    private async Task<string> WorkerDiesAsync(string route, string? died, string[] args)
    {
        await using var dram = await DramProcess.StartAsync(App, ["-w", "2", "--threads", "2", .. args]);
        try
        {
            var workers = await WorkerProbe.WaitForWorkersAsync(dram, 2, Patience);
            var logFrom = dram.Output.Length;
            await using var bystander = LoadClient.Start(dram.BaseUrl + "/ok/bystander", concurrency: 4);
            Assert.True(await bystander.WaitForMoreAsync(40, Patience));

            var faultAt = DateTime.UtcNow;
            using (var connection = await RawHttpConnection.OpenAsync(dram.Port))
            {
                await connection.SendAsync(Wire.Request($"/{route}/{CloseCount.NewTag()}", close: true));
                using var cts = new CancellationTokenSource(Patience);
                Assert.Empty(await connection.ReadToEndAsync(cts.Token));
            }
            var line = died is null
                ? await WaitForLineAsync(dram, logFrom, MemoryKill())
                : await WaitForLineAsync(dram, logFrom, new Regex($@"Worker \d+ \(pid \d+\) died: {Regex.Escape(died)}; starting a replacement$"));
            var deathSeen = DateTime.UtcNow;
            var victim = int.Parse(PidInLine().Match(line).Groups["pid"].Value, CultureInfo.InvariantCulture);
            Assert.Contains(victim, workers);
            var survivor = workers.Single(w => w != victim);

            var now = await WorkerProbe.WaitForWorkersAsync(dram, 2, Patience);
            Assert.Contains(survivor, now);
            Assert.DoesNotContain(victim, now);
            var replacement = now.Single(w => w != survivor);
            Assert.True(await bystander.WaitForMoreAsync(40, Patience));
            var summary = await bystander.StopAsync();
            output.WriteLine(summary.Report());

            // The survivor answered all along; only requests in flight inside the victim failed.
            Assert.Contains(summary.Outcomes, o => o.Pid == survivor && o.Succeeded && o.Sent > faultAt);
            Assert.DoesNotContain(summary.Outcomes, o => o.Pid == victim && o.Sent > deathSeen + TimeSpan.FromSeconds(1));
            Assert.All(summary.Failures, f => Assert.True(f.Ended >= faultAt, $"failure before the fault: {f}"));
            Assert.True(summary.Failures.Count <= bystander.Concurrency, summary.Report());
            output.WriteLine($"victim {victim}, survivor {survivor}, replacement {replacement}; the concurrent client lost {summary.Failures.Count} of {summary.Total} requests");

            Assert.Equal([line], ProblemLines.In(dram.Output[logFrom..]));
            return line;
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    private static async Task<string> WaitForLineAsync(DramProcess dram, int logFrom, Regex pattern)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            var line = dram.Output[logFrom..].Split('\n').FirstOrDefault(l => pattern.IsMatch(l.TrimEnd('\r')));
            if (line is not null)
            {
                return line.TrimEnd('\r');
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"no log line matching {pattern}:\n{dram.Output}");
    }

    /// <summary>Sends the request and checks the whole answer, then that the connection still serves.</summary>
    private async Task ExpectAnswerAsync(string target, int status, string body)
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(Wire.Request(target));
        var response = await connection.ReadResponseAsync(timeout: Wire.Timeout);
        Assert.Equal(status, response.StatusCode);
        if (status == 200)
        {
            Assert.Equal("HTTP/1.1 200 OK", response.StatusLine);
        }
        Assert.Equal(body, response.BodyText);
        // Nothing the app tried to put in the head reached the wire.
        Assert.Null(response.Header("X-Injected"));
        Assert.Null(response.Header("X-A"));

        await connection.SendAsync(Wire.Request("/ok/same-connection"));
        var next = await connection.ReadResponseAsync(timeout: Wire.Timeout);
        Assert.StartsWith("pid=", next.BodyText);
    }

    /// <summary>Sends the request and checks that the head and <paramref name="partial"/> came, then the close.</summary>
    private async Task ExpectCutAsync(string target, string partial)
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(Wire.Request(target));
        var wire = await Wire.ReadUntilClosedAsync(connection);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", wire);
        Assert.Contains(partial, wire);
        Assert.False(wire.EndsWith("0\r\n\r\n", StringComparison.Ordinal), "the cut response looks complete:\n" + wire);
        var head = wire[..wire.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        if (Regex.Match(head, @"\r\nContent-Length: (\d+)", RegexOptions.IgnoreCase) is { Success: true } declared)
        {
            var bodyLength = wire.Length - head.Length - 4;
            Assert.True(bodyLength < int.Parse(declared.Groups[1].Value, CultureInfo.InvariantCulture), "the cut response holds its whole Content-Length");
        }
    }

    /// <summary>Reads part of an endless response, then closes the connection.</summary>
    private async Task LeaveMidResponseAsync(string target)
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(Wire.Request(target));
        var buffer = new byte[65536];
        var received = 0;
        while (received < 256 * 1024)
        {
            var read = await connection.Socket.ReceiveAsync(buffer, SocketFlags.None);
            Assert.True(read > 0, "the server closed the endless response");
            received += read;
        }
    }

    [GeneratedRegex(@"\(pid (?<pid>\d+)\)")]
    private static partial Regex PidInLine();

    [GeneratedRegex(@"\[ERROR\] Worker \d+ \(pid \d+\) uses (?<mb>\d+) MB, twice --max-worker-memory \(150 MB\): memory grows faster than it can drain \(a request allocating without end\?\); killing it, which cuts its requests in flight$")]
    private static partial Regex MemoryKill();
}
