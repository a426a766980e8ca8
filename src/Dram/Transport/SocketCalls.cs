using System.Runtime.InteropServices;

namespace Dram.Transport;

/// <summary>
/// The Linux system calls Dram's transport makes on a connection's descriptor: epoll, non-blocking
/// receive and send, sendfile(2) and shutdown(2). Errors come back as the negated errno.
/// </summary>
/// <remarks>
/// The calls made for every request (recv, send, sendmsg, and epoll_wait without a timeout) never
/// block, since every connection's descriptor is non-blocking, so they run without the GC
/// transition and without <c>SetLastError</c>: errno is read only when a call fails, straight after
/// it, with nothing run in between that could change it. <c>SetLastError</c> stores errno after
/// every call in a thread-local, which in the worker (a shared library loaded by Python) costs a
/// <c>__tls_get_addr</c> call each time. Calls that can block (epoll_wait with a timeout) or run
/// long (sendfile of up to 1 MiB) keep the transition, so a garbage collection never waits for
/// them.
/// </remarks>
internal static unsafe partial class SocketCalls
{
    public const int EAgain = 11;
    public const int EIntr = 4;
    public const int EConnReset = 104;
    public const int EPipe = 32;

    public const uint EpollIn = 0x001;
    public const uint EpollOut = 0x004;
    public const uint EpollErr = 0x008;
    public const uint EpollHup = 0x010;
    public const uint EpollRdHup = 0x2000;
    public const uint EpollEt = 1u << 31;

    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;
    private const int EpollCloexec = 0x80000;
    private const int MsgNoSignal = 0x4000;
    private const int ShutRdWr = 2;

    /// <summary>
    /// struct epoll_event is packed on x86-64 (12 bytes, data at offset 4) and naturally aligned
    /// elsewhere (16 bytes, data at offset 8).
    /// </summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    public static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>An iovec: where one piece of a gathered send starts and how long it is.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Vectors;
        public nuint VectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    public static int CreateEpoll()
    {
        var fd = EpollCreate1(EpollCloexec);
        return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
    }

    public static int Add(int epoll, int fd, uint events, ulong data)
    {
        var buffer = stackalloc byte[16];
        *(uint*)buffer = events;
        *(ulong*)(buffer + EpollDataOffset) = data;
        return EpollCtl(epoll, EpollCtlAdd, fd, buffer) == 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    public static int Remove(int epoll, int fd)
    {
        var buffer = stackalloc byte[16];
        return EpollCtl(epoll, EpollCtlDel, fd, buffer) == 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    /// <summary>epoll_wait(2), blocking for up to <paramref name="timeoutMilliseconds"/> (-1: until an event comes).</summary>
    public static int Wait(int epoll, byte* events, int capacity, int timeoutMilliseconds)
    {
        var count = EpollWait(epoll, events, capacity, timeoutMilliseconds);
        return count >= 0 ? count : -Marshal.GetLastPInvokeError();
    }

    /// <summary>epoll_wait(2) for the events ready now, without waiting.</summary>
    public static int Poll(int epoll, byte* events, int capacity)
    {
        var count = EpollPoll(epoll, events, capacity, 0);
        return count >= 0 ? count : -Marshal.GetLastSystemError();
    }

    public static nint Receive(int fd, byte* buffer, nint length)
    {
        var received = Recv(fd, buffer, length, 0);
        return received >= 0 ? received : -Marshal.GetLastSystemError();
    }

    public static nint Send(int fd, byte* buffer, nint length)
    {
        var sent = SendOne(fd, buffer, length, MsgNoSignal);
        return sent >= 0 ? sent : -Marshal.GetLastSystemError();
    }

    public static nint SendGathered(int fd, IoVector* vectors, int count)
    {
        var header = new MessageHeader { Vectors = vectors, VectorCount = (nuint)count };
        var sent = SendMsg(fd, &header, MsgNoSignal);
        return sent >= 0 ? sent : -Marshal.GetLastSystemError();
    }

    /// <summary>sendfile(2) from <paramref name="file"/> at <paramref name="offset"/>; the file's own position is left alone.</summary>
    public static nint SendFile(int socket, int file, long offset, nint count)
    {
        var sent = SendFileCall(socket, file, &offset, count);
        return sent >= 0 ? sent : -Marshal.GetLastPInvokeError();
    }

    public static void Shutdown(int fd) => ShutdownCall(fd, ShutRdWr);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtl(int epoll, int operation, int fd, byte* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static partial int EpollWait(int epoll, byte* events, int capacity, int timeout);

    [LibraryImport("libc", EntryPoint = "epoll_wait")]
    [SuppressGCTransition]
    private static partial int EpollPoll(int epoll, byte* events, int capacity, int timeout);

    [LibraryImport("libc", EntryPoint = "recv")]
    [SuppressGCTransition]
    private static partial nint Recv(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "send")]
    [SuppressGCTransition]
    private static partial nint SendOne(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "sendmsg")]
    [SuppressGCTransition]
    private static partial nint SendMsg(int fd, MessageHeader* header, int flags);

    [LibraryImport("libc", EntryPoint = "sendfile64", SetLastError = true)]
    private static partial nint SendFileCall(int socket, int file, long* offset, nint count);

    [LibraryImport("libc", EntryPoint = "shutdown")]
    private static partial int ShutdownCall(int fd, int how);
}
