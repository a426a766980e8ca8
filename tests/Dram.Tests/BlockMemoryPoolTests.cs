using Dram.Transport;
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

    private static byte[] ArrayOf(System.Buffers.IMemoryOwner<byte> block) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray<byte>(block.Memory, out var segment) ? segment.Array! : throw new InvalidOperationException("not array-backed");
}
