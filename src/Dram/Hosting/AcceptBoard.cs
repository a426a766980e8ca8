using System.Runtime.InteropServices;

namespace Dram.Hosting;

/// <summary>
/// Memory shared by the master and its workers (a memfd each worker maps) in which every worker
/// publishes how many connections it holds and whether it accepts, so that workers sharing one
/// listening socket take new connections in turn (<see cref="AcceptTurn"/>). The master
/// creates it, gives each worker a slot with its sockets and clears a worker's slot when it exits,
/// so a worker that died holding connections never counts.
/// </summary>
internal sealed unsafe partial class AcceptBoard : IDisposable
{
    /// <summary>Workers alive at once that take turns; any beyond accept without (logged).</summary>
    public const int Capacity = 256;

    // One cache line per slot, so two workers' counters never share a line.
    private const int LineBytes = 64;
    private const int Size = LineBytes * (Capacity + 1);
    private const int ProtRead = 1;
    private const int ProtWrite = 2;
    private const int MapShared = 1;
    private const uint MfdCloexec = 1;

    private readonly byte* _memory;
    private readonly bool[] _claimed = new bool[Capacity];

    private AcceptBoard(int descriptor, byte* memory)
    {
        Descriptor = descriptor;
        _memory = memory;
    }

    /// <summary>The memfd, handed to workers; the master keeps it open.</summary>
    public int Descriptor { get; }

    /// <summary>Slots below this have been handed out (the first line holds it, for workers to scan).</summary>
    public int* SlotsInUse => (int*)_memory;

    /// <summary>The connections open in the worker holding <paramref name="slot"/>.</summary>
    public int* OpenConnections(int slot) => (int*)(_memory + LineBytes * (slot + 1));

    /// <summary>1 while the worker holding <paramref name="slot"/> accepts connections, else 0.</summary>
    public int* Accepting(int slot) => (int*)(_memory + LineBytes * (slot + 1) + sizeof(int));

    /// <summary>The master's board, or null (with why) where shared memory cannot be had.</summary>
    public static AcceptBoard? Create(out string? failure)
    {
        failure = null;
        var descriptor = MemfdCreate("dram-accept-board", MfdCloexec);
        if (descriptor < 0)
        {
            failure = "memfd_create: " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
            return null;
        }
        if (Ftruncate(descriptor, Size) != 0)
        {
            failure = "ftruncate: " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
            Close(descriptor);
            return null;
        }
        var memory = Map(descriptor, out failure);
        if (memory is null)
        {
            Close(descriptor);
            return null;
        }
        return new AcceptBoard(descriptor, memory);
    }

    /// <summary>A worker's view of the board the master passed as <paramref name="descriptor"/> (closed here), or null.</summary>
    public static AcceptBoard? Attach(int descriptor, out string? failure)
    {
        var memory = Map(descriptor, out failure);
        Close(descriptor);
        return memory is null ? null : new AcceptBoard(-1, memory);
    }

    /// <summary>Master: a free slot, cleared, for a worker about to accept; -1 when all are taken.</summary>
    public int Claim()
    {
        for (var slot = 0; slot < Capacity; slot++)
        {
            if (!_claimed[slot])
            {
                _claimed[slot] = true;
                Volatile.Write(ref *OpenConnections(slot), 0);
                Volatile.Write(ref *Accepting(slot), 0);
                if (slot >= Volatile.Read(ref *SlotsInUse))
                {
                    Volatile.Write(ref *SlotsInUse, slot + 1);
                }
                return slot;
            }
        }
        return -1;
    }

    /// <summary>Master: the worker holding <paramref name="slot"/> exited; it no longer counts.</summary>
    public void Release(int slot)
    {
        if (slot < 0 || !_claimed[slot])
        {
            return;
        }
        Volatile.Write(ref *Accepting(slot), 0);
        Volatile.Write(ref *OpenConnections(slot), 0);
        _claimed[slot] = false;
    }

    public void Dispose()
    {
        Unmap(_memory, Size);
        if (Descriptor >= 0)
        {
            Close(Descriptor);
        }
    }

    private static byte* Map(int descriptor, out string? failure)
    {
        failure = null;
        var memory = Mmap(0, Size, ProtRead | ProtWrite, MapShared, descriptor, 0);
        if (memory == -1)
        {
            failure = "mmap: " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
            return null;
        }
        return (byte*)memory;
    }

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int Ftruncate(int descriptor, long length);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int descriptor, long offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Unmap(byte* address, nuint length);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);
}
