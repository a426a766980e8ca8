using System.Net;
using System.Text.Json;
using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests;

/// <summary>
/// Tens of thousands of requests of every response kind (plain, request body, streamed iterable
/// with close(), wsgi.file_wrapper, app exception) over keep-alive connections must leave the
/// Python object count, the process RSS and its open descriptors where they were after warm-up.
/// </summary>
public sealed class LeakTests(ITestOutputHelper output)
{
    private const int Clients = 4;
    private const int WarmUpRequests = 15_000;
    private const int MeasuredRequests = 30_000;
    private const int Rounds = 3;
    private const long RssBoundBytes = 30L * 1024 * 1024;
    private const int DescriptorBound = 16;
    private const int FileSize = 256 * 192;

    private static readonly byte[] PostBody = Enumerable.Range(0, 6_000).Select(i => (byte)(i * 31 % 251)).ToArray();
    private static readonly string PostAnswer = $"{PostBody.Length}:{PostBody.Sum(b => (long)b)}";

    [Fact]
    public async Task ThirtyThousandMixedRequestsLeaveObjectsMemoryAndDescriptorsFlat()
    {
        await using var dram = await DramProcess.StartAsync("leak_app:application", ["--threads", "4"]);
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = new Uri(dram.BaseUrl),
            Timeout = TimeSpan.FromSeconds(60),
        };

        var warmUp = await DriveAsync(client, WarmUpRequests);
        var worker = await dram.WorkerPidAsync();
        var before = await SnapshotAsync(client, worker);
        Report("after warm-up", before, warmUp);

        var measured = new Tally();
        var after = before;
        for (var round = 1; round <= Rounds; round++)
        {
            measured.Add(await DriveAsync(client, MeasuredRequests / Rounds));
            after = await SnapshotAsync(client, worker);
            Report($"after {round * MeasuredRequests / Rounds} more", after, measured);
        }

        var objectGrowth = after.Objects - before.Objects;
        var objectBound = Math.Max(300, before.Objects / 100);
        var rssGrowth = after.RssBytes - before.RssBytes;
        var blockGrowth = after.AllocatedBlocks - before.AllocatedBlocks;
        output.WriteLine($"growth over {MeasuredRequests} requests: {objectGrowth:+#;-#;0} Python objects (bound {objectBound}), "
            + $"{blockGrowth:+#;-#;0} allocated blocks (bound {MeasuredRequests / 10}), {rssGrowth / 1024.0 / 1024.0:+0.0;-0.0} MB RSS (bound {RssBoundBytes / 1024 / 1024} MB), "
            + $"{after.Descriptors - before.Descriptors:+#;-#;0} descriptors, {after.Threads - before.Threads:+#;-#;0} threads");

        // Every close() the server owed was made: one per streamed response and per wrapped file.
        Assert.Equal(warmUp.Streams + measured.Streams, after.StreamCloses);
        Assert.Equal(warmUp.Files + measured.Files, after.FileCloses);
        Assert.True(objectGrowth < objectBound, $"Python objects grew by {objectGrowth} (from {before.Objects} to {after.Objects})");
        // Each response kind is at least a tenth of the requests: leaking one block per request of
        // any kind would exceed this; caches that fill once (linecache, interned strings) do not.
        Assert.True(blockGrowth < MeasuredRequests / 10, $"allocated blocks grew by {blockGrowth} (from {before.AllocatedBlocks} to {after.AllocatedBlocks})");
        Assert.True(rssGrowth < RssBoundBytes, $"RSS grew by {rssGrowth / 1024 / 1024} MB (from {before.RssBytes / 1024 / 1024} MB to {after.RssBytes / 1024 / 1024} MB)");
        Assert.True(after.Descriptors - before.Descriptors < DescriptorBound, $"open descriptors went from {before.Descriptors} to {after.Descriptors}");
        Assert.False(dram.HasExited);
        Assert.Equal(worker, await dram.WorkerPidAsync());
    }

    /// <summary>Sends <paramref name="total"/> requests from <see cref="Clients"/> concurrent loops; checks every answer.</summary>
    private static async Task<Tally> DriveAsync(HttpClient client, int total)
    {
        var tallies = await Task.WhenAll(Enumerable.Range(0, Clients).Select(async c =>
        {
            var tally = new Tally();
            for (var i = c; i < total; i += Clients)
            {
                await OneRequestAsync(client, i % 10, tally);
            }
            return tally;
        }));
        return tallies.Aggregate(new Tally(), (sum, t) => sum.Add(t));
    }

    private static async Task OneRequestAsync(HttpClient client, int kind, Tally tally)
    {
        switch (kind)
        {
            case 0 or 1 or 2:
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"/hello?n={kind}&q=leak%20check");
                request.Headers.Add("X-Request-Kind", "hello");
                request.Headers.Add("Cookie", "session=abc; theme=dark");
                using var response = await client.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("Hello, World!", await response.Content.ReadAsStringAsync());
                break;
            }
            case 3 or 4:
            {
                using var content = new ByteArrayContent(PostBody);
                using var response = await client.PostAsync("/post", content);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(PostAnswer, await response.Content.ReadAsStringAsync());
                break;
            }
            case 5 or 6:
            {
                using var response = await client.GetAsync("/stream?8");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var text = await response.Content.ReadAsStringAsync();
                Assert.EndsWith("part 7 of the streamed response\n", text, StringComparison.Ordinal);
                tally.Streams++;
                break;
            }
            case 7 or 8:
            {
                using var response = await client.GetAsync("/file");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var bytes = await response.Content.ReadAsByteArrayAsync();
                Assert.Equal(FileSize, bytes.Length);
                Assert.Equal(255, bytes[^1]);
                tally.Files++;
                break;
            }
            default:
            {
                using var response = await client.GetAsync("/error");
                Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
                await response.Content.ReadAsByteArrayAsync();
                break;
            }
        }
        tally.Requests++;
    }

    private static async Task<Snapshot> SnapshotAsync(HttpClient client, int pid)
    {
        var stats = JsonDocument.Parse(await client.GetStringAsync("/stats")).RootElement;
        return new Snapshot(
            stats.GetProperty("objects").GetInt32(),
            stats.GetProperty("allocated_blocks").GetInt64(),
            stats.GetProperty("stream_closes").GetInt32(),
            stats.GetProperty("file_closes").GetInt32(),
            ProcessStatus.ResidentBytes(pid),
            ProcessStatus.OpenDescriptors(pid),
            ProcessStatus.Threads(pid));
    }

    private void Report(string when, Snapshot s, Tally t) =>
        output.WriteLine($"{when} ({t.Requests} requests: {t.Streams} streamed, {t.Files} file_wrapper): "
            + $"{s.Objects} Python objects, {s.AllocatedBlocks} allocated blocks, RSS {s.RssBytes / 1024.0 / 1024.0:0.0} MB, "
            + $"{s.Descriptors} descriptors, {s.Threads} threads");

    private sealed record Snapshot(int Objects, long AllocatedBlocks, int StreamCloses, int FileCloses, long RssBytes, int Descriptors, int Threads);

    private sealed class Tally
    {
        public int Requests { get; set; }
        public int Streams { get; set; }
        public int Files { get; set; }

        public Tally Add(Tally other)
        {
            Requests += other.Requests;
            Streams += other.Streams;
            Files += other.Files;
            return this;
        }
    }
}
