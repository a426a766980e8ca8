using System.Diagnostics;
using Dram.Python.Native;

namespace Dram.Python;

/// <summary>
/// Turns at the GIL for the threads Dram runs Python on, passed on where a request ends.
/// CPython gives a thread waiting for the GIL its turn only once the holder has run for the switch
/// interval (5 ms), and then takes the GIL from the holder wherever it is, often inside a lock of
/// the app's (asgiref's <c>Local</c>, behind every Django <c>get_language()</c>, or a logging
/// handler's). The threads that then ask for that lock block on it, and from there each turn at the
/// lock costs a thread switch: with eight threads on one core, Django's template page ran at 0.6x
/// the speed of one thread. A thread ending a request gave the GIL up and, with the next request
/// queued, took it straight back before any waiter woke, so every turn came from that forced
/// switch. With turns enabled, a thread that ends a request lets a waiting thread take the GIL
/// before it asks again; requests then take turns where they end, not in the middle of the app.
/// </summary>
public static unsafe class GilTurns
{
    private static bool s_enabled;

    /// <summary>Threads in <see cref="Take"/>, waiting for the GIL.</summary>
    private static int s_waiting;

    /// <summary>Changed by every <see cref="Take"/> that returns; written only with the GIL held.</summary>
    private static int s_turn;

    /// <summary>Turns on the hand-over (a pool of several Python threads); before the threads start.</summary>
    public static void Enable() => s_enabled = true;

    /// <summary>Takes the GIL for the thread state <paramref name="state"/> (<c>PyEval_RestoreThread</c>).</summary>
    internal static void Take(nint state)
    {
        if (!s_enabled)
        {
            CApi.PyEval_RestoreThread(state);
            return;
        }
        Interlocked.Increment(ref s_waiting);
        CApi.PyEval_RestoreThread(state);
        Interlocked.Decrement(ref s_waiting);
        Volatile.Write(ref s_turn, s_turn + 1);
    }

    /// <summary>The count of GIL takes so far; read with the GIL held, before giving it up, for <see cref="PassOn"/>.</summary>
    internal static int Turn => s_turn;

    /// <summary>
    /// Called without the GIL by a thread that has just ended a request and given the GIL up at
    /// <paramref name="turn"/> (<see cref="Turn"/>): when another of Dram's threads is waiting for
    /// the GIL, yields until one has taken it, or a fifth of a millisecond has passed (the thread
    /// the release woke may be one of the app's own, which is not counted).
    /// </summary>
    internal static void PassOn(int turn)
    {
        if (!s_enabled || Volatile.Read(ref s_waiting) == 0)
        {
            return;
        }
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 5000;
        while (Volatile.Read(ref s_turn) == turn && Volatile.Read(ref s_waiting) > 0 && Stopwatch.GetTimestamp() < deadline)
        {
            Thread.Yield();
        }
    }
}
