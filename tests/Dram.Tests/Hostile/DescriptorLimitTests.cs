using System.Diagnostics;
using System.Text;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Hostile;

/// <summary>
/// Every connection is a descriptor, so the open-files limit caps how many clients a worker can
/// hold: dram raises the soft limit to the hard one at start, and says so when the hard one is low.
/// </summary>
public sealed class DescriptorLimitTests
{
    private const string LowLimitWarning = "The open-files limit is";

    [Fact]
    public async Task TheSoftLimitIsRaisedToTheHardLimitInMasterAndWorker()
    {
        var hard = OpenFilesLimit.Of(Environment.ProcessId).Hard;
        await using var dram = await LimitedDram.StartAsync("ulimit -S -n 1024");
        var worker = await dram.WorkerPidAsync();

        Assert.Equal((hard, hard), OpenFilesLimit.Of(dram.Pid));
        Assert.Equal((hard, hard), OpenFilesLimit.Of(worker));
        await dram.StopAsync();
        Assert.Equal(hard < 10_000, dram.Output.Contains(LowLimitWarning, StringComparison.Ordinal));
        RobustnessLog.Record("Hostile clients", "dram started with an open-files soft limit of 1024",
            $"master and workers raise it to the hard limit ({hard}) before accepting connections");
    }

    [Fact]
    public async Task ALowHardLimitIsLoggedWithHowToRaiseIt()
    {
        await using var dram = await LimitedDram.StartAsync("ulimit -n 4096");
        var worker = await dram.WorkerPidAsync();

        Assert.Equal((4096UL, 4096UL), OpenFilesLimit.Of(worker));
        await dram.StopAsync();
        Assert.Contains("[WARNING] The open-files limit is 4096 (hard limit), so each worker holds fewer than 4096 connections at once; "
            + "raise it with `ulimit -n` in the shell that starts dram, or LimitNOFILE= in its systemd unit", dram.Output);
        Assert.Equal(1, CountOf(dram.Output, LowLimitWarning));
    }

    [Fact]
    public async Task AWorkerOutOfDescriptorsWaitsForOneToCloseAndThenServesTheConnectionThatWaited()
    {
        OpenFilesLimit.RaiseOwnToHard();
        await using var dram = await LimitedDram.StartAsync("ulimit -n 128");
        var worker = await dram.WorkerPidAsync();
        var idle = new List<RawHttpConnection>();

        // More connections than the worker has descriptors for: the last one, which sends a
        // request, stays in the backlog.
        async Task<RawHttpConnection> RunOutOfDescriptorsAsync()
        {
            for (var i = 0; i < 160; i++)
            {
                idle.Add(await RawHttpConnection.OpenAsync(dram.Port));
            }
            var waiting = await RawHttpConnection.OpenAsync(dram.Port);
            await waiting.SendAsync("GET /page?size=5 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            await Task.Delay(500);
            return waiting;
        }

        void CloseIdle()
        {
            foreach (var connection in idle)
            {
                connection.Dispose();
            }
            idle.Clear();
        }

        try
        {
            using var waiting = await RunOutOfDescriptorsAsync();

            // accept(2) failing with EMFILE is not retried in a busy loop.
            var before = CpuTicks(worker);
            await Task.Delay(TimeSpan.FromSeconds(2));
            var spent = CpuTicks(worker) - before;
            Assert.True(spent < 100, $"the worker used {spent} clock ticks of CPU in 2 s while out of descriptors");

            CloseIdle();
            var response = await waiting.ReadResponseAsync(timeout: TimeSpan.FromSeconds(10));
            Assert.Equal(200, response.StatusCode);

            // A second spell within the minute is served the same way but not logged again.
            using var second = await RunOutOfDescriptorsAsync();
            CloseIdle();
            Assert.Equal(200, (await second.ReadResponseAsync(timeout: TimeSpan.FromSeconds(10))).StatusCode);
        }
        finally
        {
            CloseIdle();
        }
        await dram.StopAsync();
        // Said once for the two spells, with the limit and how to raise it, and the first one's end said too.
        var outOfDescriptors = "[WARNING] Out of file descriptors: this worker holds as many as its open-files limit (128) allows, "
            + $"so new connections to 127.0.0.1:{dram.Port} wait in the listen backlog until one closes";
        Assert.Equal(1, CountOf(dram.Output, outOfDescriptors));
        Assert.Contains("LimitNOFILE= in its systemd unit, or run more workers", dram.Output);
        Assert.Equal(1, CountOf(dram.Output, $"Accepting connections to 127.0.0.1:{dram.Port} again after "));
        RobustnessLog.Record("Hostile clients", "more connections than the worker's open-files limit (128), one of them sending a request",
            "the worker logs the limit and how to raise it once, waits for a descriptor without spinning (accept is retried every 10 ms), "
            + "answers the waiting request once others close and logs that it accepts again");
    }

    /// <summary>User and system CPU time of <paramref name="pid"/>, in clock ticks (/proc/PID/stat).</summary>
    private static long CpuTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + 1, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    /// <summary>dram serving hostile.py, started by a shell that first runs <c>ulimit</c> and then execs it.</summary>
    private sealed class LimitedDram : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private LimitedDram(Process process, int port)
        {
            _process = process;
            Port = port;
        }

        public int Pid => _process.Id;

        public int Port { get; }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static async Task<LimitedDram> StartAsync(string ulimit)
        {
            var start = new ProcessStartInfo("bash")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = Repo.Root,
            };
            var port = FreePort.Next();
            foreach (var arg in new[] { "-c", ulimit + " && exec \"$0\" \"$@\"", DramBinary.Path,
                "--bind", $"127.0.0.1:{port}", "--chdir", Repo.Apps, "hostile:application" })
            {
                start.ArgumentList.Add(arg);
            }
            var dram = new LimitedDram(new Process { StartInfo = start }, port);
            dram._process.OutputDataReceived += (_, e) => dram.OnLine(e.Data);
            dram._process.ErrorDataReceived += (_, e) => dram.OnLine(e.Data);
            dram._process.Start();
            dram._process.BeginOutputReadLine();
            dram._process.BeginErrorReadLine();
            if (await Task.WhenAny(dram._listening.Task, dram._process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60))) != dram._listening.Task)
            {
                await dram.DisposeAsync();
                throw new InvalidOperationException("dram did not start listening:\n" + dram.Output);
            }
            return dram;
        }

        public async Task<int> WorkerPidAsync()
        {
            var workers = await ProcessTable.WaitForChildCountAsync(Pid, 1, TimeSpan.FromSeconds(30));
            return workers.Count == 1 ? workers[0] : throw new InvalidOperationException("expected one worker:\n" + Output);
        }

        public async Task StopAsync()
        {
            if (!_process.HasExited)
            {
                UnixSignal.Send(Pid, UnixSignal.Term);
            }
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(cts.Token);
            _process.WaitForExit();
        }

        private void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (_output)
            {
                _output.AppendLine(line);
            }
            if (line.Contains("Listening at:", StringComparison.Ordinal))
            {
                _listening.TrySetResult();
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }
    }
}
