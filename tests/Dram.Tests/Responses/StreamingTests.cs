using System.Diagnostics;
using System.Net.Sockets;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Responses;

/// <summary>
/// Streamed bodies go out chunk by chunk as the app yields them, and the server pulls no faster
/// than the client reads: an endless body costs bounded memory whether the client disconnects or
/// just stops reading, and it does not stop other requests.
/// </summary>
public sealed class StreamingTests(StreamingApp server) : IClassFixture<StreamingApp>
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task EachChunkReachesTheClientBeforeTheNextIsPulled()
    {
        // The app yields a chunk, then blocks until the test says it received it: a server that
        // held chunks back would never release the app (it gives up after 10 s with "TIMEOUT;").
        var tag = CloseCount.NewTag();
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(Wire.Request($"/stream?tag={tag}&chunks=3"));
        var reader = new IncrementalReader(connection);
        for (var i = 1; i <= 3; i++)
        {
            await reader.ReadUntilAsync($"chunk-{i};");
            Assert.DoesNotContain("TIMEOUT", reader.Text);
            if (i < 3)
            {
                Assert.Equal("released", (await Wire.GetAsync(server.Port, "/release?tag=" + tag)).BodyText);
            }
        }
        await reader.ReadUntilAsync("0\r\n\r\n");

        Assert.EndsWith("\r\n\r\n8\r\nchunk-1;\r\n8\r\nchunk-2;\r\n8\r\nchunk-3;\r\n0\r\n\r\n", reader.Text);
    }

    [Fact]
    public async Task EndlessBodyToClientsThatDisconnectIsClosedAndMemoryStaysBounded()
    {
        await using var dram = await DramProcess.StartAsync("responses_streaming:application", ["--threads", "2"]);
        await Wire.GetAsync(dram.Port, "/hello");
        var baseline = ProcessStatus.ResidentBytes(await dram.WorkerPidAsync());

        // 3 x 100 MiB: a server keeping what it sent would grow by more than the bound below.
        for (var round = 0; round < 3; round++)
        {
            var tag = CloseCount.NewTag();
            using (var connection = await RawHttpConnection.OpenAsync(dram.Port))
            {
                await connection.SendAsync(Wire.Request($"/endless?tag={tag}"));
                await ReceiveAsync(connection, 100 * MiB);
            }
            Assert.Equal(1, await CloseCount.WaitForAsync(dram.Port, tag));
        }

        var growth = ProcessStatus.ResidentBytes(await dram.WorkerPidAsync()) - baseline;
        Assert.True(growth < 200 * MiB, $"RSS grew by {growth / MiB} MiB while streaming 300 MiB");
    }

    [Fact]
    public async Task ClientsLeavingMidStreamAreNotServerErrors()
    {
        // The write that finds the connection gone must end the response quietly, whichever step
        // (buffer, write or flush) finds it: clients leaving is routine, not a Dram fault.
        await using var dram = await DramProcess.StartAsync("responses_streaming:application", ["--threads", "4"]);
        var tags = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                var tag = CloseCount.NewTag();
                tags.Add(tag);
                using var connection = await RawHttpConnection.OpenAsync(dram.Port);
                await connection.SendAsync(Wire.Request($"/endless?tag={tag}"));
                await ReceiveAsync(connection, 256 * 1024);
            }
        })));

        foreach (var tag in tags)
        {
            Assert.Equal(1, await CloseCount.WaitForAsync(dram.Port, tag));
        }
        Assert.DoesNotContain("] [CRITICAL] ", dram.Output);
        Assert.DoesNotContain("] [ERROR] ", dram.Output);
        Assert.Equal("hello", (await Wire.GetAsync(dram.Port, "/hello")).BodyText);
    }

    [Fact]
    public async Task EndlessBodyToAClientThatStopsReadingIsHeldBackWhileOthersAreServed()
    {
        await using var dram = await DramProcess.StartAsync("responses_streaming:application", ["--threads", "2"]);
        await Wire.GetAsync(dram.Port, "/hello");
        var baseline = ProcessStatus.ResidentBytes(await dram.WorkerPidAsync());
        var tag = CloseCount.NewTag();

        using (var slow = await RawHttpConnection.OpenAsync(dram.Port))
        {
            await slow.SendAsync(Wire.Request($"/endless?tag={tag}"));
            await new IncrementalReader(slow).ReadUntilAsync("\r\n\r\n");
            // From here on the client reads nothing; after 2 s every buffer on the way is full.
            await Task.Delay(TimeSpan.FromSeconds(2));

            var watch = Stopwatch.StartNew();
            var hello = await Wire.GetAsync(dram.Port, "/hello");
            Assert.Equal("hello", hello.BodyText);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"a request next to the stalled stream took {watch.Elapsed}");

            var pulled = int.Parse((await Wire.GetAsync(dram.Port, "/pulled?tag=" + tag)).BodyText);
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            var pulledLater = int.Parse((await Wire.GetAsync(dram.Port, "/pulled?tag=" + tag)).BodyText);
            // The generator waits for the client: only what fits the socket and server buffers was taken.
            Assert.Equal(pulled, pulledLater);
            Assert.True(pulled * 64 * 1024 < 64 * MiB, $"the server pulled {pulled} chunks of 64 KiB for a client that read nothing");
            var growth = ProcessStatus.ResidentBytes(await dram.WorkerPidAsync()) - baseline;
            Assert.True(growth < 200 * MiB, $"RSS grew by {growth / MiB} MiB for a client that read nothing");
            Assert.Equal(0, await CloseCount.GetAsync(dram.Port, tag));
        }

        // Once the stalled client goes away, the generator is closed.
        Assert.Equal(1, await CloseCount.WaitForAsync(dram.Port, tag));
    }

    [Fact]
    public async Task WriteToAClientThatDisconnectedRaisesOSErrorInTheApp()
    {
        var tag = CloseCount.NewTag();
        using (var connection = await RawHttpConnection.OpenAsync(server.Port))
        {
            await connection.SendAsync(Wire.Request($"/write-endless?tag={tag}"));
            await ReceiveAsync(connection, MiB);
            Assert.Equal(0, await CloseCount.GetAsync(server.Port, tag));
        }

        // The app's write() loop only ends through the OSError (it counts it on /closed).
        Assert.Equal(1, await CloseCount.WaitForAsync(server.Port, tag));
    }

    private static async Task ReceiveAsync(RawHttpConnection connection, long count)
    {
        var buffer = new byte[256 * 1024];
        long received = 0;
        while (received < count)
        {
            var read = await connection.Socket.ReceiveAsync(buffer, SocketFlags.None);
            Assert.True(read > 0, $"the server closed the endless response after {received} bytes");
            received += read;
        }
    }
}
