using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests.Request;

/// <summary>
/// Uploads stream through wsgi.input: an app reading a body far larger than memory it should use,
/// in fixed pieces, gets every byte in order while dram's resident memory stays small.
/// </summary>
public sealed class StreamingUploadTests(UploadCountServer server, ITestOutputHelper output) : IClassFixture<UploadCountServer>
{
    private const long OneGiB = 1L << 30;
    private const long MemoryBound = 300L * 1024 * 1024;
    private static readonly TimeSpan UploadTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task OneGigabyteUploadIsStreamedNotBuffered()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await using var memory = ResidentMemory.Watch(await server.Dram.WorkerPidAsync());

        await connection.SendAsync($"POST /upload?65536 HTTP/1.1\r\nHost: localhost\r\nContent-Length: {OneGiB}\r\n\r\n");
        await UploadPattern.SendPlainAsync(connection, OneGiB);
        var count = UploadPattern.Parse(await connection.ReadResponseAsync(timeout: UploadTimeout));

        output.WriteLine($"peak VmRSS {memory.PeakBytes / (1024 * 1024)} MB over {memory.Samples} samples");
        Assert.Equal(OneGiB, count.Bytes);
        Assert.True(count.PatternOk, "the bytes the app read were not the bytes sent, in order");
        Assert.Equal(OneGiB / 65536, count.Reads);
        Assert.Equal(65536, count.Largest);
        Assert.True(memory.Samples > 0, "no VmRSS sample was taken during the upload");
        Assert.True(memory.PeakBytes < MemoryBound,
            $"dram's resident memory reached {memory.PeakBytes / (1024 * 1024)} MB during a 1 GB upload (bound {MemoryBound / (1024 * 1024)} MB): the body is being buffered");
    }

    [Fact]
    public async Task LargeChunkedUploadIsStreamedNotBuffered()
    {
        const long total = 256L * 1024 * 1024;
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await using var memory = ResidentMemory.Watch(await server.Dram.WorkerPidAsync());

        await connection.SendAsync("POST /upload?65536 HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
        await UploadPattern.SendChunkedAsync(connection, total);
        var count = UploadPattern.Parse(await connection.ReadResponseAsync(timeout: UploadTimeout));

        output.WriteLine($"peak VmRSS {memory.PeakBytes / (1024 * 1024)} MB over {memory.Samples} samples");
        Assert.Equal(total, count.Bytes);
        Assert.True(count.PatternOk, "the bytes the app read were not the bytes sent, in order");
        Assert.Equal(65536, count.Largest);
        Assert.True(memory.PeakBytes < MemoryBound,
            $"dram's resident memory reached {memory.PeakBytes / (1024 * 1024)} MB during a 256 MB chunked upload (bound {MemoryBound / (1024 * 1024)} MB)");
    }

    [Theory]
    [InlineData(100_000, 300_000)]
    [InlineData(7, 1000)]
    [InlineData(1 << 20, 5 << 20)]
    public async Task EveryReadOfAFixedSizeGetsExactlyThatSize(int piece, int total)
    {
        // reads == total / piece and largest == piece means no read came back short before the end.
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync($"POST /upload?{piece} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {total}\r\n\r\n");
        await UploadPattern.SendPlainAsync(connection, total);
        var count = UploadPattern.Parse(await connection.ReadResponseAsync(timeout: UploadTimeout));
        Assert.Equal(total, count.Bytes);
        Assert.True(count.PatternOk);
        Assert.Equal((total + piece - 1) / piece, count.Reads);
        Assert.Equal(Math.Min(piece, total), count.Largest);
    }
}
