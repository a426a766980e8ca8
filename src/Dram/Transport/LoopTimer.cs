using System.Runtime.InteropServices;
using Dram.Wsgi;

namespace Dram.Transport;

/// <summary>
/// A timerfd(2) registered with the event loop: arming it is one timerfd_settime(2), and its
/// expiry comes to whichever thread is waiting for the loop's events, as a socket's readiness does.
/// </summary>
internal sealed unsafe partial class LoopTimer : IReadinessTarget, ITransportTimer
{
    private const int ClockMonotonic = 1;
    private const int TimerNonBlocking = 0x800;
    private const int TimerCloseOnExec = 0x80000;

    private readonly int _fd;
    private readonly Action _expired;

    public LoopTimer(EventLoop loop, Action expired)
    {
        _expired = expired;
        _fd = TimerFdCreate(ClockMonotonic, TimerNonBlocking | TimerCloseOnExec);
        if (_fd < 0)
        {
            throw new InvalidOperationException($"timerfd_create failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        loop.Register(_fd, this);
    }

    public void Arm(int microseconds)
    {
        // struct itimerspec: interval (zero: one-shot), then the first expiry.
        var spec = stackalloc long[4];
        spec[0] = 0;
        spec[1] = 0;
        spec[2] = microseconds / 1_000_000;
        spec[3] = microseconds % 1_000_000 * 1000L;
        TimerFdSetTime(_fd, 0, spec, null);
    }

    public void OnReadiness(uint events)
    {
        ulong expirations;
        // Reading resets the count, so the next expiry is a new edge.
        if ((events & SocketCalls.EpollIn) != 0 && Read(_fd, &expirations, sizeof(ulong)) == sizeof(ulong))
        {
            _expired();
        }
    }

    [LibraryImport("libc", EntryPoint = "timerfd_create", SetLastError = true)]
    private static partial int TimerFdCreate(int clock, int flags);

    // Never blocks; a busy worker moves the expiry about once every half millisecond.
    [LibraryImport("libc", EntryPoint = "timerfd_settime")]
    [SuppressGCTransition]
    private static partial int TimerFdSetTime(int fd, int flags, long* value, long* old);

    [LibraryImport("libc", EntryPoint = "read")]
    private static partial nint Read(int fd, void* buffer, nint count);
}
