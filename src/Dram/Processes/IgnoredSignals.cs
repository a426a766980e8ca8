using System.Runtime.InteropServices;

namespace Dram.Processes;

/// <summary>
/// The master's signals that it was started with set to "ignore": <c>nohup</c> ignores SIGHUP, and
/// a shell starting a background job ignores SIGINT and SIGQUIT. An ignored disposition survives
/// exec, and the .NET runtime leaves a signal that was ignored when it started ignored, so
/// <c>kill -HUP</c> would reload nothing. Gunicorn, like any Python program setting its handlers,
/// acts on them regardless; the master does too, by giving them their default disposition just
/// before it re-executes itself (<see cref="ProcessTitle"/>), so the runtime it becomes takes them.
/// </summary>
internal static unsafe partial class IgnoredSignals
{
    private const nint Default = 0;
    private const nint Ignore = 1;

    /// <summary>
    /// What the master acts on: the value it registers with the runtime, the kernel's number, the name.
    /// SIGUSR1 has no runtime name, so it goes by its number.
    /// </summary>
    public static readonly (PosixSignal Signal, int Number, string Name)[] MasterSignals =
    [
        (PosixSignal.SIGTERM, SignalNumbers.Term, "SIGTERM"),
        (PosixSignal.SIGINT, 2, "SIGINT"),
        (PosixSignal.SIGQUIT, SignalNumbers.Quit, "SIGQUIT"),
        (PosixSignal.SIGHUP, 1, "SIGHUP"),
        (PosixSignal.SIGTTIN, 21, "SIGTTIN"),
        (PosixSignal.SIGTTOU, 22, "SIGTTOU"),
        ((PosixSignal)SignalNumbers.Usr1, SignalNumbers.Usr1, "SIGUSR1"),
    ];

    /// <summary>Gives the ignored ones of the master's signals their default disposition, for an exec; returns them.</summary>
    public static List<int> ResetForExec()
    {
        var reset = new List<int>();
        foreach (var (_, number, _) in MasterSignals)
        {
            if (IsIgnored(number))
            {
                SetDisposition(number, Default);
                reset.Add(number);
            }
        }
        return reset;
    }

    /// <summary>Ignores <paramref name="signals"/> again, when the exec they were reset for failed.</summary>
    public static void Restore(List<int> signals)
    {
        foreach (var signal in signals)
        {
            SetDisposition(signal, Ignore);
        }
    }

    /// <summary>The master's signals this process ignores (and so cannot act on), by name.</summary>
    public static List<string> StillIgnored()
    {
        var names = new List<string>();
        foreach (var (_, number, name) in MasterSignals)
        {
            if (IsIgnored(number))
            {
                names.Add(name);
            }
        }
        return names;
    }

    private static bool IsIgnored(int signal)
    {
        // struct sigaction starts with the handler; 256 bytes hold glibc's 152-byte layout.
        var current = stackalloc byte[256];
        return QueryAction(signal, null, current) == 0 && *(nint*)current == Ignore;
    }

    [LibraryImport("libc", EntryPoint = "sigaction")]
    private static partial int QueryAction(int signal, byte* action, byte* previous);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint SetDisposition(int signal, nint handler);
}
