using System.Buffers;
using System.Collections.Concurrent;

namespace Dram.Transport;

/// <summary>
/// The buffers connections read into and answers are written from: 64 KiB blocks, allocated
/// pinned and handed out again when they come back. The shared array pool's per-thread caches
/// miss when a buffer is rented on the event loop's thread and returned on a Python thread, so
/// every miss would be a new array for the GC to clear and collect. A block is as large as a
/// socket read usefully gets: a 64 KiB body arrives in one or two reads. Connections rent only
/// once bytes have arrived (StreamConnection), so an idle connection holds no block.
/// </summary>
internal sealed class BlockMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 64 * 1024;

    // Blocks beyond this many coming back at once (after a burst of uploads) go to the GC
    // instead of staying with the worker for good: 16 MiB of address space, resident only where
    // a read or a write touched it.
    private const int RetainedBlocks = 256;

    private readonly ConcurrentQueue<Block> _free = new();
    private int _freeCount;

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _freeCount);
            return block.Reuse();
        }
        return new Block(this, GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true));
    }

    protected override void Dispose(bool disposing)
    {
        while (_free.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _freeCount);
        }
    }

    private void Return(Block block)
    {
        if (Interlocked.Increment(ref _freeCount) <= RetainedBlocks)
        {
            _free.Enqueue(block);
        }
        else
        {
            Interlocked.Decrement(ref _freeCount);
        }
    }

    private sealed class Block(BlockMemoryPool pool, byte[] array) : IMemoryOwner<byte>
    {
        private int _rented = 1;

        public Memory<byte> Memory => array;

        public Block Reuse()
        {
            _rented = 1;
            return this;
        }

        public void Dispose()
        {
            // A block given back twice would later be handed to two renters at once.
            if (Interlocked.Exchange(ref _rented, 0) == 1)
            {
                pool.Return(this);
            }
        }
    }
}
