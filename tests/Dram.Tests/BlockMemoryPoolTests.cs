using Dram.Hosting;
using Dram.Tests.Infrastructure;

namespace Dram.Tests;

/// <summary>
/// The pool connections read into and write from: blocks come back and go out again, one given
/// back twice is never handed to two renters, and a burst's worth coming back is not all kept;
/// and a running worker's socket transport really takes its buffers from it.
/// </summary>
public sealed class BlockMemoryPoolTests
{
    [Fact]
    public void BlocksAre64KiBAndAReturnedBlockIsRentedAgain()
    {
        using var pool = new BlockMemoryPool();
        var first = pool.Rent(4096);
        Assert.Equal(BlockMemoryPool.BlockSize, first.Memory.Length);
        Assert.Equal(BlockMemoryPool.BlockSize, pool.MaxBufferSize);
        var array = ArrayOf(first);
        first.Dispose();

        using var second = pool.Rent();
        Assert.Same(array, ArrayOf(second));
    }

    [Fact]
    public void ABlockGivenBackTwiceIsRentedOnce()
    {
        using var pool = new BlockMemoryPool();
        var block = pool.Rent();
        block.Dispose();
        block.Dispose();

        using var a = pool.Rent();
        using var b = pool.Rent();
        Assert.NotSame(ArrayOf(a), ArrayOf(b));
    }

    [Fact]
    public void ABurstComingBackKeepsAtMostTheRetainedBlocks()
    {
        using var pool = new BlockMemoryPool();
        var burst = Enumerable.Range(0, 1000).Select(_ => pool.Rent()).ToList();
        var arrays = burst.Select(ArrayOf).ToHashSet();
        burst.ForEach(block => block.Dispose());

        var again = Enumerable.Range(0, 1000).Select(_ => pool.Rent()).ToList();
        var reused = again.Count(block => arrays.Contains(ArrayOf(block)));
        again.ForEach(block => block.Dispose());
        Assert.Equal(256, reused);
    }

    [Fact]
    public void MoreThanABlockIsRefused()
    {
        using var pool = new BlockMemoryPool();
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(BlockMemoryPool.BlockSize + 1));
    }

    [Fact]
    public void TheFactoryRemembersItWasAsked()
    {
        var factory = new BlockMemoryPool.Factory();
        Assert.False(factory.Used);
        using var pool = factory.Create();
        Assert.True(factory.Used);
        Assert.IsType<BlockMemoryPool>(pool);
    }

    [Fact]
    public async Task AWorkersSocketTransportTakesItsBuffersFromThePool()
    {
        var dram = await DramProcess.StartAsync("echo:application");
        await using (dram)
        {
            var body = new string('b', 64 * 1024);
            var response = await RawHttpConnection.ExchangeAsync(dram.Port,
                $"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");
            Assert.Equal(200, response.StatusCode);
        }

        // The worker warns (after Kestrel starts) when the transport made its pools elsewhere;
        // once it has exited its whole log is here.
        Assert.Contains("Worker 1 (pid", dram.Output);
        Assert.DoesNotContain("did not take Dram's 64 KiB buffer pool", dram.Output);
    }

    private static byte[] ArrayOf(System.Buffers.IMemoryOwner<byte> block) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray<byte>(block.Memory, out var segment) ? segment.Array! : throw new InvalidOperationException("not array-backed");
}
