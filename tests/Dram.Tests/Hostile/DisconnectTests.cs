using System.Net;
using System.Net.Sockets;
using System.Text;
using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests.Hostile;

/// <summary>
/// Clients that vanish (a reset, no goodbye) at every stage of a request, many times over: the
/// app's iterable or file gets close() exactly once each time, and the worker ends with the Python
/// objects, threads and descriptors it started with.
/// </summary>
public sealed class DisconnectTests(ITestOutputHelper output)
{
    private const int WarmUpRounds = 5;
    private const int Rounds = 60;
    private const int ObjectGrowthBound = 300;
    private const int DescriptorGrowthBound = 8;
    private const int OsThreadGrowthBound = 8;
    private const long RssGrowthBound = 32L * 1024 * 1024;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private delegate Task Stage(int port, string tag);

    private sealed record DisconnectStage(string Name, bool ReachesApp, bool HasClose, Stage Run)
    {
        /// <summary>What is checked each time, for the robustness table.</summary>
        public string Outcome => !ReachesApp ? "app never called" : HasClose ? "close() called exactly once each time" : "the rest of the response dropped, the request ends";
    }

    /// <summary>Each stage: its name, whether the app is called, whether what it returned has a close(), and the disconnect.</summary>
    private static readonly DisconnectStage[] Stages =
    [
        new("mid-request-line", false, false, MidRequestLineAsync),
        new("mid-headers", false, false, MidHeadersAsync),
        new("mid-upload (Content-Length)", true, true, MidContentLengthUploadAsync),
        new("mid-upload (chunked)", true, true, MidChunkedUploadAsync),
        new("while the app runs", true, true, WhileTheAppRunsAsync),
        new("mid-response (list body)", true, false, MidListBodyAsync),
        new("mid-response (generator)", true, true, MidGeneratorAsync),
        new("mid-response (wsgi.file_wrapper)", true, true, MidFileWrapperAsync),
    ];

    [Fact]
    public async Task ResetsAtEveryStageCloseTheIterableOnceAndLeakNothing()
    {
        await using var dram = await DramProcess.StartAsync("hostile:application", ["--threads", "2"]);
        var worker = await dram.WorkerPidAsync();
        foreach (var stage in Stages)
        {
            for (var i = 0; i < WarmUpRounds; i++)
            {
                await RunAndCheckAsync(dram, stage);
            }
        }
        var before = await SettledStateAsync(dram.Port, worker);
        var callsBefore = await HostileProbe.CallsAsync(dram.Port);

        foreach (var stage in Stages)
        {
            for (var i = 0; i < Rounds; i++)
            {
                await RunAndCheckAsync(dram, stage);
            }
        }
        var appCalls = Stages.Count(s => s.ReachesApp) * Rounds;
        var after = await SettledStateAsync(dram.Port, worker);
        output.WriteLine($"before: {before}\nafter {Stages.Length} stages x {Rounds}: {after}");

        // The request line and header stages never reach the app; the probes above are not counted.
        Assert.Equal(callsBefore + appCalls, await HostileProbe.CallsAsync(dram.Port));
        Assert.True(after.PythonObjects - before.PythonObjects < ObjectGrowthBound, $"Python objects grew from {before.PythonObjects} to {after.PythonObjects}");
        Assert.Equal(before.PythonThreads, after.PythonThreads);
        Assert.True(after.Descriptors - before.Descriptors < DescriptorGrowthBound, $"descriptors went from {before.Descriptors} to {after.Descriptors}");
        Assert.True(after.OsThreads - before.OsThreads < OsThreadGrowthBound, $"threads went from {before.OsThreads} to {after.OsThreads}");
        Assert.True(after.ResidentBytes - before.ResidentBytes < RssGrowthBound, $"RSS went from {before.ResidentBytes >> 20} to {after.ResidentBytes >> 20} MiB");
        Assert.Equal(worker, await dram.WorkerPidAsync());
        Assert.False(dram.Output.Contains("[CRITICAL]", StringComparison.Ordinal), dram.Output);
        Assert.False(dram.Output.Contains(" died", StringComparison.Ordinal), dram.Output);

        var growth = $"Python objects {after.PythonObjects - before.PythonObjects:+#;-#;0}, Python threads {after.PythonThreads - before.PythonThreads:+#;-#;0}, "
            + $"descriptors {after.Descriptors - before.Descriptors:+#;-#;0}, OS threads {after.OsThreads - before.OsThreads:+#;-#;0}, "
            + $"RSS {(after.ResidentBytes - before.ResidentBytes) / 1048576.0:+0.0;-0.0} MiB over all {Stages.Length * Rounds} resets";
        foreach (var stage in Stages)
        {
            RobustnessLog.Record("Hostile clients", $"Client resets the connection {stage.Name}, {Rounds} times",
                $"{stage.Outcome}; same worker throughout; {growth}");
        }
    }

    /// <summary>
    /// The worker's state once the last resets have been processed: connections Kestrel has yet to
    /// see reset still hold descriptors, so it waits until two looks in a row agree (at most 10 s).
    /// </summary>
    private static async Task<WorkerState> SettledStateAsync(int port, int worker)
    {
        var state = await HostileProbe.StateAsync(port, worker);
        for (var i = 0; i < 20; i++)
        {
            await Task.Delay(500);
            var next = await HostileProbe.StateAsync(port, worker);
            if (next.Descriptors == state.Descriptors && next.PythonObjects == state.PythonObjects)
            {
                return next;
            }
            state = next;
        }
        return state;
    }

    /// <summary>Runs one disconnect with a fresh tag, then checks close() was called once if the app ran.</summary>
    private static async Task RunAndCheckAsync(DramProcess dram, DisconnectStage stage)
    {
        var tag = HostileProbe.NewTag();
        await stage.Run(dram.Port, tag);
        if (stage.HasClose)
        {
            var closed = await HostileProbe.WaitForAsync(() => HostileProbe.ClosedAsync(dram.Port, tag), 1);
            Assert.True(closed == 1, $"{stage.Name}: close() was called {closed} times\n{dram.Output}");
        }
    }

    private static async Task MidRequestLineAsync(int port, string tag)
    {
        using var socket = await ConnectAsync(port);
        await SendAsync(socket, $"GET /echo?tag={tag}&pad=xxxxxxxx");
    }

    private static async Task MidHeadersAsync(int port, string tag)
    {
        using var socket = await ConnectAsync(port);
        await SendAsync(socket, $"GET /echo?tag={tag} HTTP/1.1\r\nHost: localhost\r\nX-Cut: hal");
    }

    private static async Task MidContentLengthUploadAsync(int port, string tag)
    {
        using var socket = await ConnectAsync(port);
        await SendAsync(socket, $"POST /upload?tag={tag} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {1024 * 1024}\r\n\r\n" + new string('u', 64 * 1024));
        await WaitUntilStartedAsync(port, tag);
    }

    private static async Task MidChunkedUploadAsync(int port, string tag)
    {
        using var socket = await ConnectAsync(port);
        await SendAsync(socket, $"POST /upload?tag={tag} HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n4000\r\n" + new string('c', 0x4000) + "\r\n2000\r\nhalf");
        await WaitUntilStartedAsync(port, tag);
    }

    private static async Task WhileTheAppRunsAsync(int port, string tag)
    {
        using var socket = await ConnectAsync(port);
        await SendAsync(socket, $"GET /slow?tag={tag}&s=0.2 HTTP/1.1\r\nHost: localhost\r\n\r\n");
        await WaitUntilStartedAsync(port, tag);
    }

    private static async Task MidListBodyAsync(int port, string tag)
    {
        using var socket = await ConnectAsync(port);
        await SendAsync(socket, $"GET /page?tag={tag}&size={2 * 1024 * 1024} HTTP/1.1\r\nHost: localhost\r\n\r\n");
        await ReceiveAtLeastAsync(socket, 128 * 1024);
    }

    private static async Task MidGeneratorAsync(int port, string tag)
    {
        using var socket = await ConnectAsync(port);
        await SendAsync(socket, $"GET /stream?tag={tag}&chunks=0&size=16384 HTTP/1.1\r\nHost: localhost\r\n\r\n");
        await ReceiveAtLeastAsync(socket, 128 * 1024);
    }

    private static async Task MidFileWrapperAsync(int port, string tag)
    {
        using var socket = await ConnectAsync(port);
        await SendAsync(socket, $"GET /file?tag={tag} HTTP/1.1\r\nHost: localhost\r\n\r\n");
        await ReceiveAtLeastAsync(socket, 128 * 1024);
    }

    /// <summary>A connection whose disposal resets it (linger 0): the client vanishes without a FIN.</summary>
    private static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, LingerState = new LingerOption(true, 0) };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        return socket;
    }

    private static async Task SendAsync(Socket socket, string text)
    {
        using var cts = new CancellationTokenSource(Wait);
        await socket.SendAsync(Encoding.Latin1.GetBytes(text), SocketFlags.None, cts.Token);
    }

    private static async Task WaitUntilStartedAsync(int port, string tag)
    {
        var started = await HostileProbe.WaitForAsync(() => HostileProbe.StartedAsync(port, tag), 1);
        Assert.Equal(1, started);
    }

    private static async Task ReceiveAtLeastAsync(Socket socket, int count)
    {
        using var cts = new CancellationTokenSource(Wait);
        var buffer = new byte[65536];
        var received = 0;
        while (received < count)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            Assert.True(read > 0, $"the server closed the response after {received} bytes");
            received += read;
        }
    }
}
