using System.Runtime.InteropServices;

namespace Dram;

/// <summary>
/// A worker's entry point when the Python interpreter's own executable runs it: the master starts
/// <c>python -c</c> with <see cref="Bootstrap"/>, which loads this library (the same code as the
/// dram executable, built as a shared library) through ctypes and calls <c>dram_worker_main</c>.
/// The app then runs on exactly the interpreter <c>python</c> runs. Debian's python3.11 executable is
/// linked statically and optimised beyond its libpython3.11.so: Django requests took 1.2x the time
/// on the shared library (bench/NOTES.md).
/// </summary>
public static unsafe class HostedWorker
{
    /// <summary>The shared library's file name, next to the dram executable.</summary>
    public const string LibraryName = "dram-worker.so";

    /// <summary>Where the bootstrap finds the library; taken out of the environment before the app loads.</summary>
    public const string LibraryVariable = "DRAM_WORKER_LIBRARY";

    /// <summary>
    /// Run by <c>python -c</c> with the master's probe of the interpreter (PythonInstallation's
    /// ProbeOutput, so the worker need not run it again) and then the worker's arguments. sys.path loses the '' that -c
    /// puts first (the app's directory comes from --chdir and --pythonpath, as in Gunicorn); SIGINT
    /// goes back to the default, since the server owns signals; the interpreter exits at once with
    /// the worker's exit code, its atexit handlers having been run by the worker.
    /// </summary>
    public const string Bootstrap =
        "import ctypes, os, signal, sys\n"
        + "if sys.path and sys.path[0] == '': del sys.path[0]\n"
        + "signal.signal(signal.SIGINT, signal.SIG_DFL)\n"
        + "probe = sys.argv[1].encode('utf-8', 'surrogateescape')\n"
        + "args = [a.encode('utf-8', 'surrogateescape') for a in sys.argv[2:]]\n"
        + "worker = ctypes.CDLL(os.environ.pop('" + LibraryVariable + "'))\n"
        + "os._exit(worker.dram_worker_main(len(args), (ctypes.c_char_p * (len(args) + 1))(*args), probe))\n";

    /// <summary>True in a worker that runs inside the Python executable.</summary>
    public static bool Active { get; private set; }

    /// <summary>The master's probe of this interpreter (see <see cref="Bootstrap"/>).</summary>
    public static string ProbeOutput { get; private set; } = "";

    [UnmanagedCallersOnly(EntryPoint = "dram_worker_main")]
    public static int Run(int argc, byte** argv, byte* probe)
    {
        Active = true;
        ProbeOutput = Marshal.PtrToStringUTF8((nint)probe) ?? "";
        var args = new string[argc];
        for (var i = 0; i < argc; i++)
        {
            args[i] = Marshal.PtrToStringUTF8((nint)argv[i]) ?? "";
        }
        var code = Program.Main(args).GetAwaiter().GetResult();
        // ctypes takes the GIL back on return: a worker that stopped before handing the GIL to its
        // Python threads (its app failed to load) must give it up, or that would wait forever.
        Dram.Python.PythonRuntime.ReleaseMainThreadIfHeld();
        return code;
    }
}
