using System.Runtime.InteropServices;

namespace Dram.Transport;

/// <summary>
/// One thread waiting in epoll_wait for the worker's connections and telling each connection of its
/// readiness, inline: the receive that follows, Kestrel's parsing of it and the hand-off of a
/// request to a Python thread all run here, none of which blocks. A Python thread with nothing to
/// do runs the events that are ready itself before it sleeps (<see cref="RunReady"/>).
/// Descriptors are registered once, edge-triggered, for both directions.
/// </summary>
internal sealed unsafe class EventLoop
{
    private const int BatchSize = 256;

    /// <summary>
    /// At most this many events for a Python thread at a time: the thread is wanted back for the
    /// app, and the I/O thread takes whatever is left.
    /// </summary>
    private const int ReadyBatchSize = 32;

    private readonly int _epoll;
    private readonly Lock _registering = new();
    private Registration?[] _slots = new Registration?[64];
    private readonly Stack<int> _freeSlots = new();
    private int _nextSlot;
    private uint _generation;

    public EventLoop()
    {
        _epoll = SocketCalls.CreateEpoll();
        if (_epoll < 0)
        {
            throw new InvalidOperationException($"epoll_create1 failed: {Marshal.GetPInvokeErrorMessage(-_epoll)}");
        }
        var thread = new Thread(Run) { IsBackground = true, Name = "dram io" };
        thread.UnsafeStart();
    }

    /// <summary>Starts telling <paramref name="target"/> of <paramref name="fd"/>'s readiness; the returned key stops it.</summary>
    public ulong Register(int fd, IReadinessTarget target)
    {
        Registration registration;
        lock (_registering)
        {
            if (!_freeSlots.TryPop(out var slot))
            {
                slot = _nextSlot++;
                if (slot == _slots.Length)
                {
                    var grown = new Registration?[_slots.Length * 2];
                    _slots.CopyTo(grown, 0);
                    Volatile.Write(ref _slots, grown);
                }
            }
            // The generation tells a stale event (for a descriptor since removed, already fetched
            // by epoll_wait) from one for the slot's next occupant.
            registration = new Registration(target, ((ulong)++_generation << 32) | (uint)slot);
            Volatile.Write(ref _slots[slot], registration);
        }
        var added = SocketCalls.Add(_epoll, fd, SocketCalls.EpollIn | SocketCalls.EpollOut | SocketCalls.EpollRdHup | SocketCalls.EpollEt, registration.Key);
        if (added < 0)
        {
            Unregister(fd, registration.Key, registered: false);
            throw new System.Net.Sockets.SocketException(-added);
        }
        return registration.Key;
    }

    /// <summary>Stops the events for <paramref name="fd"/>; called before the descriptor is closed.</summary>
    public void Unregister(int fd, ulong key) => Unregister(fd, key, registered: true);

    private void Unregister(int fd, ulong key, bool registered)
    {
        if (registered)
        {
            SocketCalls.Remove(_epoll, fd);
        }
        var slot = (int)(uint)key;
        lock (_registering)
        {
            if (_slots[slot]?.Key == key)
            {
                Volatile.Write(ref _slots[slot], null);
                _freeSlots.Push(slot);
            }
        }
    }

    /// <summary>
    /// Runs the events ready now without waiting, on the calling thread: a Python thread with
    /// nothing queued does this before it sleeps. Another thread may be running events of the same
    /// connection at that moment; a connection's readiness signals take edges from any thread.
    /// </summary>
    public bool RunReady()
    {
        var events = stackalloc byte[ReadyBatchSize * SocketCalls.EpollEventSize];
        var count = SocketCalls.Poll(_epoll, events, ReadyBatchSize);
        if (count <= 0)
        {
            return false;
        }
        Dispatch(events, count);
        return true;
    }

    private void Run()
    {
        var events = (byte*)NativeMemory.Alloc((nuint)(BatchSize * SocketCalls.EpollEventSize));
        while (true)
        {
            var count = SocketCalls.Wait(_epoll, events, BatchSize, -1);
            if (count < 0)
            {
                if (count == -SocketCalls.EIntr)
                {
                    continue;
                }
                Environment.FailFast($"epoll_wait failed: {Marshal.GetPInvokeErrorMessage(-count)}");
            }
            Dispatch(events, count);
        }
    }

    private void Dispatch(byte* events, int count)
    {
        var size = SocketCalls.EpollEventSize;
        var offset = SocketCalls.EpollDataOffset;
        var slots = Volatile.Read(ref _slots);
        for (var i = 0; i < count; i++)
        {
            var ev = events + i * size;
            var key = *(ulong*)(ev + offset);
            var slot = (int)(uint)key;
            if (slot < slots.Length && Volatile.Read(ref slots[slot]) is { } registration && registration.Key == key)
            {
                registration.Target.OnReadiness(*(uint*)ev);
            }
        }
    }

    private sealed class Registration(IReadinessTarget target, ulong key)
    {
        public IReadinessTarget Target => target;

        public ulong Key => key;
    }
}
