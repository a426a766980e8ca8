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

    /// <summary>HUP, INT, QUIT, USR1, TERM, TTIN, TTOU: what the master acts on.</summary>
    private static ReadOnlySpan<int> MasterSignals => [1, 2, 3, 10, 15, 21, 22];

    /// <summary>Gives the ignored ones of the master's signals their default disposition, for an exec; returns them.</summary>
    public static List<int> ResetForExec()
    {
        var reset = new List<int>();
        foreach (var signal in MasterSignals)
        {
            if (IsIgnored(signal))
            {
                SetDisposition(signal, Default);
                reset.Add(signal);
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
        foreach (var signal in MasterSignals)
        {
            if (IsIgnored(signal))
            {
                names.Add(Name(signal));
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

    private static string Name(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        10 => "SIGUSR1",
        15 => "SIGTERM",
        21 => "SIGTTIN",
        _ => "SIGTTOU",
    };

    [LibraryImport("libc", EntryPoint = "sigaction")]
    private static partial int QueryAction(int signal, byte* action, byte* previous);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint SetDisposition(int signal, nint handler);
}
