using System.Runtime.InteropServices;

namespace Dram.Wsgi;

/// <summary>
/// Linux scheduling policies for a worker's threads. Everything but the threads that run Python
/// (the transport's I/O thread, the thread pool, timers) runs as <c>SCHED_BATCH</c>: such a thread
/// still gets its fair share of the CPU, but waking up does not preempt a thread that is running
/// Python. When the cores are busy, a request arriving while the app runs is then parsed when the
/// Python thread next waits (or at the next scheduler tick) instead of interrupting it, and the
/// I/O thread handles every connection that became ready in one go. Measured on one core
/// (bench/NOTES.md): context switches per request from 0.40 to 0.07 on hello and from 1.5 to 0.23
/// on a Django view, CPU per request down 10% and 15-25%. On an idle core nothing changes: a
/// woken thread runs at once either way. Threads the app starts while a request runs are ordinary;
/// threads it starts while it is imported inherit the loader's batch policy.
/// </summary>
public static partial class CpuScheduling
{
    private const int SchedOther = 0;
    private const int SchedBatch = 3;

    /// <summary>
    /// Makes the calling thread, and every thread it or its descendants start from now on, a
    /// batch thread. Returns the error number when the kernel refuses (0 on success).
    /// </summary>
    public static int BatchFromHere() => Set(SchedBatch);

    /// <summary>Gives the calling thread the ordinary policy back (a thread that runs Python).</summary>
    public static int Interactive() => Set(SchedOther);

    private static unsafe int Set(int policy)
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }
        var priority = 0;
        // pid 0 is the calling thread: Linux applies the policy per thread, and new threads
        // inherit their creator's.
        return SetScheduler(0, policy, &priority) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    [LibraryImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static unsafe partial int SetScheduler(int pid, int policy, int* priority);
}
