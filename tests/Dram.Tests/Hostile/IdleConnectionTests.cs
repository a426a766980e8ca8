using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests.Hostile;

/// <summary>
/// Ten thousand clients that each make one request and then keep their connection open, idle: the
/// worker holds them all for a bounded cost in memory and one descriptor each, and a new client is
/// still answered at once.
/// </summary>
public sealed class IdleConnectionTests(ITestOutputHelper output)
{
    private const int Connections = 10_000;
    private const int OpenAtOnce = 200;
    private const long KiB = 1024;

    /// <summary>Worker memory an idle keep-alive connection may cost: it holds no read buffer (a block is rented when data arrives), only Kestrel's objects and the socket's, about 10 KiB.</summary>
    private const long BytesPerConnectionBudget = 12 * KiB;

    private static readonly byte[] Request = Encoding.ASCII.GetBytes("GET /echo?idle HTTP/1.1\r\nHost: localhost\r\n\r\n");

    [SkippableFact]
    public async Task TenThousandIdleKeepAliveConnectionsAreHeldAndNewClientsStillServed()
    {
        // Each client socket is a descriptor in this process too.
        var ownLimit = OpenFilesLimit.RaiseOwnToHard();
        Skip.If(ownLimit < Connections + 1_000,
            $"the test process may open only {ownLimit} files; {Connections} connections need a hard limit above {Connections + 1_000} (ulimit -Hn)");

        await using var dram = await DramProcess.StartAsync("hostile:application", ["--keep-alive", "600"]);
        var worker = await dram.WorkerPidAsync();
        Skip.If(OpenFilesLimit.Of(worker).Soft < Connections + 1_000, $"the worker may open only {OpenFilesLimit.Of(worker).Soft} files");
        (await OpenAndAskAsync(dram.Port)).Dispose();
        var before = (Rss: ProcessStatus.ResidentBytes(worker), Fds: ProcessStatus.OpenDescriptors(worker));

        var sockets = new Socket[Connections];
        var opening = Stopwatch.StartNew();
        try
        {
            for (var start = 0; start < Connections; start += OpenAtOnce)
            {
                var batch = Enumerable.Range(start, Math.Min(OpenAtOnce, Connections - start));
                await Task.WhenAll(batch.Select(async i => sockets[i] = await OpenAndAskAsync(dram.Port)));
            }
            var opened = opening.Elapsed;
            // Let Kestrel settle every connection into its idle wait.
            await Task.Delay(TimeSpan.FromSeconds(2));
            var after = (Rss: ProcessStatus.ResidentBytes(worker), Fds: ProcessStatus.OpenDescriptors(worker));

            var newClient = Stopwatch.StartNew();
            var fresh = await RawHttpConnection.ExchangeAsync(dram.Port, "GET /echo?fresh HTTP/1.1\r\nHost: localhost\r\n\r\n", timeout: TimeSpan.FromSeconds(30));
            var newClientLatency = newClient.Elapsed;
            // Idle connections are still usable: every hundredth asks again.
            for (var i = 0; i < Connections; i += 100)
            {
                await AskAsync(sockets[i]);
            }

            var perConnection = (after.Rss - before.Rss) / Connections;
            var descriptors = after.Fds - before.Fds;
            output.WriteLine($"opened {Connections} in {opened.TotalSeconds:0.0} s; worker RSS {before.Rss / KiB / KiB} -> {after.Rss / KiB / KiB} MiB "
                + $"({perConnection / (double)KiB:0.0} KiB each), descriptors {before.Fds} -> {after.Fds}; new client answered in {newClientLatency.TotalMilliseconds:0} ms");

            Assert.Equal(200, fresh.StatusCode);
            // One descriptor per connection (give or take the warm-up connection's, closed around the first look).
            Assert.InRange(descriptors, Connections - 16, Connections + 64);
            Assert.True(perConnection < BytesPerConnectionBudget,
                $"each idle connection costs the worker {perConnection / KiB} KiB (budget {BytesPerConnectionBudget / KiB} KiB)");
            Assert.Equal(worker, await dram.WorkerPidAsync());
            RobustnessLog.Record("Hostile clients", $"{Connections:N0} clients each make one request, then hold their keep-alive connection idle",
                $"all held: worker +{descriptors} descriptors, +{(after.Rss - before.Rss) / KiB / KiB} MiB RSS ({perConnection / (double)KiB:0.0} KiB per connection, "
                + $"budget {BytesPerConnectionBudget / KiB} KiB); a new client answered in {newClientLatency.TotalMilliseconds:0} ms; idle connections still answer");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket?.Dispose();
            }
        }
    }

    /// <summary>A new connection that has made one request and read its answer.</summary>
    private static async Task<Socket> OpenAndAskAsync(int port)
    {
        // Reset on close: ten thousand sockets in TIME_WAIT would crowd the machine's local ports.
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, LingerState = new LingerOption(true, 0) };
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, port);
            await AskAsync(socket);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends one GET and reads its complete response (the head, then Content-Length bytes).</summary>
    private static async Task AskAsync(Socket socket)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await socket.SendAsync(Request, SocketFlags.None, cts.Token);
        var buffer = new byte[4096];
        var received = 0;
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, cts.Token);
            if (read == 0)
            {
                throw new IOException("the server closed an idle keep-alive connection");
            }
            received += read;
            var text = Encoding.Latin1.GetString(buffer, 0, received);
            var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headEnd < 0)
            {
                continue;
            }
            Assert.StartsWith("HTTP/1.1 200 ", text, StringComparison.Ordinal);
            var lengthAt = text.IndexOf("Content-Length: ", StringComparison.OrdinalIgnoreCase);
            var length = int.Parse(text.AsSpan(lengthAt + 16, text.IndexOf('\r', lengthAt) - lengthAt - 16));
            if (received >= headEnd + 4 + length)
            {
                return;
            }
        }
    }
}
