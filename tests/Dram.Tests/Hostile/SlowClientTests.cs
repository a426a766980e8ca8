using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests.Hostile;

/// <summary>
/// Clients that send or read as slowly as they can. Slow senders cost a connection, not a Python
/// thread; a client that stops reading holds at most the one thread streaming to it, and only until
/// it has accepted nothing for 30 s; meanwhile other clients are answered as usual and the worker's
/// memory stays bounded. Each test starts its own server, as it measures the worker.
/// </summary>
public sealed class SlowClientTests(ITestOutputHelper output)
{
    private const string Section = "Hostile clients";
    private const long MiB = 1024 * 1024;

    /// <summary>Worse than this, a request next to an attack would have been starved, not merely slowed by a busy machine.</summary>
    private static readonly TimeSpan Starved = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task SlowLorisHeadersCostNoThreadAndAreCutOffAfterTheHeaderTimeout()
    {
        const int Tricklers = 300;
        const long RssBound = 64 * MiB;
        await using var dram = await DramProcess.StartAsync("hostile:application");
        var worker = await dram.WorkerPidAsync();
        await LatencyProbe.RunAsync(dram.Port, TimeSpan.FromSeconds(1));
        var baseline = ProcessStatus.ResidentBytes(worker);
        await using var memory = ResidentMemory.Watch(worker);

        var started = Stopwatch.StartNew();
        var sockets = new List<Socket>();
        for (var i = 0; i < Tricklers; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { LingerState = new LingerOption(true, 0) };
            await socket.ConnectAsync(IPAddress.Loopback, dram.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /echo?loris={i} HTTP/1.1\r\nHost: localhost\r\nX-Slow: "), SocketFlags.None);
            sockets.Add(socket);
        }
        var answers = sockets.Select(async s =>
        {
            var received = new List<byte>();
            var closed = await RawExchange.ReceiveAllAsync(s, received, TimeSpan.FromSeconds(75));
            return (Closed: closed, At: started.Elapsed, Text: Encoding.Latin1.GetString(received.ToArray()));
        }).ToList();
        using var stopTrickling = new CancellationTokenSource();
        var trickle = Task.Run(async () =>
        {
            var one = "a"u8.ToArray();
            while (!stopTrickling.IsCancellationRequested)
            {
                foreach (var socket in sockets)
                {
                    try
                    {
                        await socket.SendAsync(one, SocketFlags.None);
                    }
                    catch (SocketException)
                    {
                        // Cut off by the server.
                    }
                }
                await Task.Delay(1000);
            }
        });

        var during = await LatencyProbe.RunAsync(dram.Port, TimeSpan.FromSeconds(10));
        var peak = memory.PeakBytes - baseline;
        var ends = await Task.WhenAll(answers);
        await stopTrickling.CancelAsync();
        await trickle;
        sockets.ForEach(s => s.Dispose());
        output.WriteLine($"during the attack: {during.Summary()}; RSS +{peak / MiB} MiB; trickler ends at {ends.Min(e => e.At).TotalSeconds:0.0}-{ends.Max(e => e.At).TotalSeconds:0.0} s");

        Assert.Empty(during.Failures);
        Assert.True(during.Max < Starved, during.Summary());
        Assert.True(peak < RssBound, $"worker RSS grew by {peak / MiB} MiB with {Tricklers} slow-loris connections");
        Assert.All(ends, e => Assert.True(e.Closed && e.Text.StartsWith("HTTP/1.1 408 ", StringComparison.Ordinal), $"{e.At}: {e.Text}"));
        Assert.All(ends, e => Assert.InRange(e.At.TotalSeconds, 25, 60));
        Assert.Equal(worker, await dram.WorkerPidAsync());
        RobustnessLog.Record(Section, $"Slow loris: {Tricklers} connections each sending one header byte a second",
            $"other client served throughout ({during.Summary()}); worker RSS +{peak / MiB} MiB (bound {RssBound / MiB} MiB); "
            + $"each slow connection answered 408 and closed {Span(ends.Min(e => e.At), ends.Max(e => e.At))} after it opened (30 s header timeout)");
    }

    [Fact]
    public async Task ClientsThatStopReadingEndlessStreamsHoldOnlyTheirThreads()
    {
        const int Stalled = 3;
        const long RssBound = 64 * MiB;
        await using var dram = await DramProcess.StartAsync("hostile:application", ["--threads", "4"]);
        var worker = await dram.WorkerPidAsync();
        await LatencyProbe.RunAsync(dram.Port, TimeSpan.FromSeconds(1));
        var baseline = ProcessStatus.ResidentBytes(worker);
        await using var memory = ResidentMemory.Watch(worker);

        var tags = Enumerable.Range(0, Stalled).Select(_ => HostileProbe.NewTag()).ToList();
        var readers = new List<Socket>();
        foreach (var tag in tags)
        {
            readers.Add(await OpenStalledReaderAsync(dram.Port, $"/stream?tag={tag}&chunks=0&size=65536"));
        }
        // Let every buffer between the generator and the stalled readers fill up.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var pulled = new List<int>();
        foreach (var tag in tags)
        {
            pulled.Add(await HostileProbe.PulledAsync(dram.Port, tag));
        }

        var during = await LatencyProbe.RunAsync(dram.Port, TimeSpan.FromSeconds(8));
        var peak = memory.PeakBytes - baseline;
        var pulledLater = new List<int>();
        foreach (var tag in tags)
        {
            pulledLater.Add(await HostileProbe.PulledAsync(dram.Port, tag));
        }
        output.WriteLine($"during the attack: {during.Summary()}; RSS +{peak / MiB} MiB; chunks pulled {string.Join(",", pulled)} then {string.Join(",", pulledLater)}");

        Assert.Empty(during.Failures);
        Assert.True(during.Max < Starved, during.Summary());
        Assert.True(peak < RssBound, $"worker RSS grew by {peak / MiB} MiB while {Stalled} clients read nothing");
        // Each generator waits for its client: only what fits the buffers on the way was pulled.
        Assert.Equal(pulled, pulledLater);
        Assert.All(pulledLater, p => Assert.InRange(p, 1, 256));
        readers.ForEach(r => r.Dispose());
        foreach (var tag in tags)
        {
            Assert.Equal(1, await HostileProbe.WaitForAsync(() => HostileProbe.ClosedAsync(dram.Port, tag), 1));
        }
        RobustnessLog.Record(Section, $"Slow read: {Stalled} clients stop reading endless 64 KiB-chunk streams (--threads 4)",
            $"other client served throughout ({during.Summary()}); each stream paused at {pulledLater.Max() * 64 / 1024.0:0.#} MiB pulled; "
            + $"worker RSS +{peak / MiB} MiB (bound {RssBound / MiB} MiB); iterables closed once when the clients left");
    }

    [Fact]
    public async Task ClientsThatStopReadingOrdinaryPagesHoldNoThread()
    {
        const int Stalled = 200;
        const int PageSize = 32 * 1024;
        const long RssBound = 64 * MiB;
        await using var dram = await DramProcess.StartAsync("hostile:application");
        var worker = await dram.WorkerPidAsync();
        await LatencyProbe.RunAsync(dram.Port, TimeSpan.FromSeconds(1));
        var baseline = ProcessStatus.ResidentBytes(worker);
        await using var memory = ResidentMemory.Watch(worker);

        var readers = new List<Socket>();
        for (var i = 0; i < Stalled; i++)
        {
            readers.Add(await OpenStalledReaderAsync(dram.Port, $"/page?size={PageSize}&n={i}"));
        }
        var during = await LatencyProbe.RunAsync(dram.Port, TimeSpan.FromSeconds(8));
        var peak = memory.PeakBytes - baseline;
        output.WriteLine($"during the attack: {during.Summary()}; RSS +{peak / MiB} MiB");
        readers.ForEach(r => r.Dispose());

        Assert.Empty(during.Failures);
        Assert.True(during.Max < Starved, during.Summary());
        Assert.True(peak < RssBound, $"worker RSS grew by {peak / MiB} MiB while {Stalled} clients read nothing");
        RobustnessLog.Record(Section, $"Slow read: {Stalled} clients request a {PageSize / 1024} KiB page and never read it (--threads 1)",
            $"the page fits the socket buffers, so the one Python thread moves on: other client served throughout ({during.Summary()}); "
            + $"worker RSS +{peak / MiB} MiB (bound {RssBound / MiB} MiB)");
    }

    [Fact]
    public async Task AClientThatAcceptsNothingForThirtySecondsIsCutOffAndItsThreadFreed()
    {
        // --timeout 0: no request timeout to end the stream, so only the stall limit frees the thread.
        await using var dram = await DramProcess.StartAsync("hostile:application", ["--timeout", "0"]);
        var tag = HostileProbe.NewTag();
        var started = Stopwatch.StartNew();
        using var reader = await OpenStalledReaderAsync(dram.Port, $"/stream?tag={tag}&chunks=0&size=65536");
        // Once response bytes wait in the reader's socket, the stream holds the thread (peeking reads nothing off).
        using (var arrived = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await reader.ReceiveAsync(new byte[1], SocketFlags.Peek, arrived.Token);
        }

        // The only Python thread is busy with the stalled stream: an ordinary request waits for it.
        var waiting = Stopwatch.StartNew();
        var response = await RawHttpConnection.ExchangeAsync(dram.Port, "GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n", timeout: TimeSpan.FromSeconds(90));
        var waited = waiting.Elapsed;
        var freedAfter = started.Elapsed;

        Assert.Equal(200, response.StatusCode);
        Assert.InRange(waited.TotalSeconds, 20, 60);
        Assert.Equal(1, await HostileProbe.WaitForAsync(() => HostileProbe.ClosedAsync(dram.Port, tag), 1));
        Assert.True(await dram.WaitForOutputAsync("the client accepted no response data for 30 s"), dram.Output);
        var received = new List<byte>();
        Assert.True(await RawExchange.ReceiveAllAsync(reader, received, TimeSpan.FromSeconds(30)), "the stalled connection was not closed");
        RobustnessLog.Record(Section, "Slow read with --threads 1 --timeout 0: a client stops reading an endless stream",
            $"its connection is closed after it accepted nothing for 30 s (thread free again {freedAfter.TotalSeconds:0} s after the request), iterable closed once; a request queued behind it is then answered");
    }

    [Fact]
    public async Task AnUploadThatStallsAfterAFastStartGets408AfterThirtySeconds()
    {
        // Kestrel's minimum body rate is an average: 1 MiB sent at once would let the client stall
        // for over an hour at 240 bytes/s. The stall limit ends it after 30 s of silence instead.
        await using var dram = await DramProcess.StartAsync("hostile:application", ["--timeout", "0"]);
        const int Sent = 1024 * 1024;
        using var connection = await RawHttpConnection.OpenAsync(dram.Port);
        var started = Stopwatch.StartNew();
        await connection.SendAsync($"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: {2 * Sent}\r\n\r\n" + new string('u', Sent));
        var response = await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(90));
        var elapsed = started.Elapsed;

        Assert.Equal(408, response.StatusCode);
        Assert.Equal("close", response.Header("Connection"));
        Assert.InRange(elapsed.TotalSeconds, 25, 60);
        Assert.True(await connection.IsClosedByServerAsync(TimeSpan.FromSeconds(15)));
        Assert.Equal(200, (await RawHttpConnection.ExchangeAsync(dram.Port, "GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n", timeout: TimeSpan.FromSeconds(30))).StatusCode);
        Assert.True(await dram.WaitForOutputAsync("the client sent nothing for 30 s"), dram.Output);
        RobustnessLog.Record(Section, "Upload that sends 1 MiB of a 2 MiB body at once, then nothing (--timeout 0)",
            $"408 with Connection: close after {elapsed.TotalSeconds:0} s (30 s without a body byte); the app's read raises OSError; the thread serves the next request");
    }

    /// <summary>"31 s", or "31-33 s" when the first and last differ.</summary>
    private static string Span(TimeSpan first, TimeSpan last) =>
        Math.Round(first.TotalSeconds) == Math.Round(last.TotalSeconds) ? $"{first.TotalSeconds:0} s" : $"{first.TotalSeconds:0}-{last.TotalSeconds:0} s";

    /// <summary>A connection with a tiny receive buffer that sends one request and never reads.</summary>
    private static async Task<Socket> OpenStalledReaderAsync(int port, string target)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            ReceiveBufferSize = 4096,
            LingerState = new LingerOption(true, 0),
        };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n"), SocketFlags.None);
        return socket;
    }
}
